"""Every write to a rental: create, update, delete (refused while it has bookings).

Services take a typed RentalInput (rentals/inputs.py); the row's own field validators
(lengths, time zone, counts) and the currency list are checked here for every caller,
failures named per field. Each write records its event (DESIGN §8) in its transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import PROTECT, ProtectedError, QuerySet
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
        # By account and id, the lock and the write alike: a database sharded by account
        # routes both to one shard (docs/scaling.md).
        mine = Rental.objects.filter(account_id=rental.account_id, pk=rental.pk)
        rental = rental_lock(account_id=rental.account_id, rental_id=rental.pk)
        before = {name: getattr(rental, name) for name in values}
        for name, value in values.items():
            setattr(rental, name, value)
        _validate(rental, set(values))
        rental.updated_at = timezone.now()
        mine.update(
            **{name: getattr(rental, name) for name in values}, updated_at=rental.updated_at
        )
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


def rental_lock(*, account_id: int, rental_id: int) -> Rental:
    """The rental row, locked; fetched by account and id, so a database sharded by
    account routes the statement to one shard (docs/scaling.md)."""
    return Rental.objects.select_for_update().get(account_id=account_id, pk=rental_id)


def rental_row_delete(*, account_id: int, rental_id: int) -> None:
    """Delete a locked rental and what cascades from it, table by table by account and
    rental, then the row by account and id (Django's own cascade would look the dependants
    up by rental id alone, which a sharded database cannot route). Raises ProtectedError,
    deleting nothing, while a PROTECT dependant (a booking) points at it."""
    dependants = _dependants(account_id, rental_id)
    if any(rows.exists() for protected, rows in dependants if protected):
        raise ProtectedError("the rental has bookings", set())
    with transaction.atomic():
        for protected, rows in dependants:
            if not protected:
                rows.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Rental._meta.db_table} WHERE account_id = %s AND id = %s",  # noqa: S608
                [account_id, rental_id],
            )


def _dependants(account_id: int, rental_id: int) -> list[tuple[bool, QuerySet[Any]]]:
    """Every table that points at the rental: (is it PROTECT, its rows of this rental)."""
    found = []
    for relation in Rental._meta.related_objects:
        model = relation.related_model
        assert not isinstance(model, str)  # resolved once the app registry is ready
        rows = model._default_manager.filter(**{relation.field.attname: rental_id})
        if any(field.name == "account" for field in model._meta.concrete_fields):
            rows = rows.filter(account_id=account_id)
        found.append((relation.on_delete is PROTECT, rows))
    return found


def rental_delete(*, rental: Rental, actor: Actor) -> None:
    """A rental with bookings (even canceled ones: they are history) cannot be deleted.

    The rental row is locked first, as every booking write locks it: a booking create
    racing this delete either commits before (then it is seen here) or waits and then
    finds no rental — never an IntegrityError at COMMIT."""
    rental_id, account_id = rental.pk, rental.account_id
    with transaction.atomic():
        rental = rental_lock(account_id=account_id, rental_id=rental_id)
        try:
            rental_row_delete(account_id=account_id, rental_id=rental_id)
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
