"""Every write to a rental: create, update, delete (refused while it has bookings).

Services take a typed RentalInput (rentals/inputs.py); the row's own field validators
(lengths, time zone, counts) and the currency list are checked here for every caller,
failures named per field. Each write records its event (DESIGN §8) in its transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.errors import ValidationFailed
from events.actors import Actor
from events.services import changes_between, event_record
from rentals.inputs import RentalInput, currency_code, timezone_name
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
    try:
        rental.full_clean(exclude=["account", *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)


def rental_create(*, account_id: int, rental_input: RentalInput, actor: Actor) -> Rental:
    values = rental_input.values()
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
    """Change the given fields (PUT and PATCH alike). The row is locked and only the
    given columns are written, so a concurrent edit of another field is never reverted."""
    values = rental_input.values()
    with transaction.atomic():
        rental = Rental.objects.select_for_update().get(pk=rental.pk)
        before = {name: getattr(rental, name) for name in values}
        for name, value in values.items():
            setattr(rental, name, value)
        _validate(rental, set(values))
        rental.save(update_fields=[*values, "updated_at"])
        event_record(
            account_id=rental.account_id,
            event="rental_updated",
            resource_type="rental",
            resource_id=rental.pk,
            actor=actor,
            occurred_at=rental.updated_at,
            changes=changes_between(before, values),
        )
    return rental


def rental_delete(*, rental: Rental, actor: Actor) -> None:
    """A rental with bookings (even canceled ones: they are history) cannot be deleted.

    The rental row is locked first, as every booking write locks it: a booking create
    racing this delete either commits before (then it is seen here) or waits and then
    finds no rental — never an IntegrityError at COMMIT."""
    with transaction.atomic():
        rental = Rental.objects.select_for_update().get(pk=rental.pk)
        if rental.bookings.exists():
            raise ValidationFailed({"": [HAS_BOOKINGS]})
        rental_id, account_id = rental.pk, rental.account_id
        try:
            with transaction.atomic():
                rental.delete()
        except ProtectedError:
            raise ValidationFailed({"": [HAS_BOOKINGS]}) from None
        event_record(
            account_id=account_id,
            event="rental_destroyed",
            resource_type="rental",
            resource_id=rental_id,
            actor=actor,
            occurred_at=timezone.now(),
        )
