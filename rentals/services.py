"""Every write to a rental: create, update, delete (refused while it has bookings).

The one writer of a rental's columns, for every caller: the v3 API, the admin and the
Overbooked resource API (which only chooses the fields: a new resource is a draft,
publish and convert-draft change `status`). Services take a typed RentalInput
(rentals/inputs.py); the row's own field validators (lengths, time zone, counts), the
currency list and the booking cut-off are checked here, failures named per field.
Each write records its event (DESIGN §8) in its transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ValidationFailed
from core.metadata import metadata_clean, metadata_merge
from core.rowdelete import account_row_delete
from events.actors import Actor
from events.services import EventSpec, changes_between, event_record, events_record
from rentals.errors import RentalCutoffInvalid, RentalTimezoneInvalid
from rentals.inputs import MAX_BOOKING_DISABLED_BEFORE, RentalInput, currency_code, timezone_name
from rentals.models import Rental

HAS_BOOKINGS = "a rental with bookings cannot be deleted"


def _validate(rental: Rental, given: set[str]) -> None:
    errors: dict[str, list[str]] = {}
    for name, check in (("currency", currency_code), ("timezone", timezone_name)):
        if name in given:
            try:
                check(getattr(rental, name))
            except ValueError as exc:
                errors[name] = [str(exc)]
    for name in given:
        value = getattr(rental, name)
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL
            errors[name] = ["may not contain NUL characters"]
    cutoff = rental.booking_disabled_before
    if not (isinstance(cutoff, int) and 0 <= cutoff <= MAX_BOOKING_DISABLED_BEFORE):
        errors["booking_disabled_before"] = [f"must be 0 to {MAX_BOOKING_DISABLED_BEFORE} seconds"]
    try:
        rental.full_clean(exclude=["account", *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    # The fields with an Overbooked code of their own raise their own type (E058, E022).
    if "booking_disabled_before" in errors:
        raise RentalCutoffInvalid(errors)
    if "timezone" in errors:
        raise RentalTimezoneInvalid(errors)
    if errors:
        raise ValidationFailed(errors)


def rental_create(*, account_id: int, rental_input: RentalInput, actor: Actor) -> Rental:
    values = rental_input.values()
    if "metadata" in values:
        values["metadata"] = metadata_clean(values["metadata"])
    rental = Rental(account_id=account_id, **values)
    _validate(rental, set(values) | {"currency", "timezone"})
    with transaction.atomic():
        rental.save()
        event_record(
            account_id=account_id,
            event="rental_created",
            resource_type="rental",
            resource_id=rental.pk,
            actor=actor,
            occurred_at=rental.created_at,
        )
    return rental


def rental_update(*, rental: Rental, rental_input: RentalInput, actor: Actor) -> Rental:
    """Change the given fields (PUT and PATCH alike; `metadata` is merged). The row is
    locked and only the changed columns are written, so a concurrent edit of another
    field is never reverted; a write that changes nothing records no event."""
    values = rental_input.values()
    with transaction.atomic():
        # By account and id, the lock and the write alike: a database sharded by account
        # routes both to one shard (docs/scaling.md).
        rental = rental_lock(account_id=rental.account_id, rental_id=rental.pk)
        if "metadata" in values:
            values["metadata"] = metadata_merge(rental.metadata, values["metadata"])
        before = {name: getattr(rental, name) for name in values}
        for name, value in values.items():
            setattr(rental, name, value)
        _validate(rental, set(values))
        changes = changes_between(before, values)
        if not changes:
            return rental
        rental.updated_at = timezone.now()
        Rental.objects.filter(account_id=rental.account_id, pk=rental.pk).update(
            **{name: getattr(rental, name) for name in changes}, updated_at=rental.updated_at
        )
        event_record(
            account_id=rental.account_id,
            event="rental_updated",
            resource_type="rental",
            resource_id=rental.pk,
            actor=actor,
            occurred_at=rental.updated_at,
            changes=changes,
        )
    return rental


def rental_lock(*, account_id: int, rental_id: int) -> Rental:
    """The rental row, locked; fetched by account and id, so a database sharded by
    account routes the statement to one shard (docs/scaling.md)."""
    return Rental.objects.select_for_update().get(account_id=account_id, pk=rental_id)


def rental_delete(*, rental: Rental, actor: Actor) -> None:
    """A rental with bookings (even canceled ones: they are history) cannot be deleted.
    Its slots go with it, each with its `slot_destroyed` event.

    The rental row is locked first, as every booking write locks it: a booking create
    racing this delete either commits before (then it is seen here) or waits and then
    finds no rental — never an IntegrityError at COMMIT."""
    from slots.models import Slot  # slots depend on rentals, not the other way round

    now = timezone.now()
    rental_id, account_id = rental.pk, rental.account_id
    with transaction.atomic():
        rental = rental_lock(account_id=account_id, rental_id=rental_id)
        slot_ids = list(
            Slot.objects.filter(account_id=account_id, rental_id=rental_id).values_list(
                "id", flat=True
            )
        )
        # Its slots, fees, exports and feeds go with it; a booking (even canceled: history)
        # keeps it.
        account_row_delete(
            Rental,
            account_id=account_id,
            pk=rental_id,
            kept=lambda _: ValidationFailed({"": [HAS_BOOKINGS]}),
        )
        events_record(
            account_id=account_id,
            actor=actor,
            occurred_at=now,
            specs=[
                *(EventSpec("slot_destroyed", "slot", slot_id) for slot_id in slot_ids),
                EventSpec("rental_destroyed", "rental", rental_id),
            ],
        )
