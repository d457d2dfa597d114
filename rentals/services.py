"""Every write to a rental: create, update, delete (refused while it has bookings).

Callers pass raw wire values; unknown and read-only keys are ignored, the rest is
coerced and validated by the model's own field validators, failures named per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from core.currencies import SUPPORTED_CURRENCIES
from core.errors import ValidationFailed
from rentals.models import Rental

RENTAL_INPUT_FIELDS = (
    "name",
    "headline",
    "summary",
    "address1",
    "address2",
    "zip",
    "city",
    "state",
    "country_code",
    "sleeps",
    "sleeps_max",
    "bedrooms_count",
    "bathrooms_count",
    "timezone",
    "checkin_time",
    "checkout_time",
    "currency",
    "balance_due_days",
)
_INTEGER_FIELDS = frozenset(
    {"sleeps", "sleeps_max", "bedrooms_count", "bathrooms_count", "balance_due_days"}
)
_NOT_NULL_FIELDS = frozenset(
    {"name", "timezone", "checkin_time", "checkout_time", "currency", "balance_due_days"}
)


def _assign(rental: Rental, data: Mapping[str, Any]) -> None:
    """Copy the known fields of `data` onto `rental`, then validate the whole row."""
    errors: dict[str, list[str]] = {}
    for name in RENTAL_INPUT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if (
            isinstance(value, (dict, list))
            or (isinstance(value, bool) and name in _INTEGER_FIELDS)
            or (isinstance(value, str) and "\x00" in value)  # PostgreSQL text cannot hold NUL
        ):
            errors[name] = ["is invalid"]
            continue
        if value is None and name not in _INTEGER_FIELDS:
            if name in _NOT_NULL_FIELDS:
                errors[name] = ["can't be blank"]
                continue
            value = ""
        if name in ("checkin_time", "checkout_time") and not isinstance(value, str):
            errors[name] = ["must be a time (HH:MM)"]
            continue
        if isinstance(value, str) and name in ("country_code", "currency"):
            value = value.strip().upper()
        setattr(rental, name, value)
    if rental.currency and rental.currency not in SUPPORTED_CURRENCIES:
        errors.setdefault("currency", []).append("is not a supported ISO 4217 currency")
    try:
        rental.full_clean(exclude=["account", *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationFailed(errors)


def rental_create(*, account_id: int, data: Mapping[str, Any]) -> Rental:
    rental = Rental(account_id=account_id)
    _assign(rental, data)
    rental.save()
    return rental


def rental_update(*, rental: Rental, data: Mapping[str, Any]) -> Rental:
    """Change the fields present in `data` (PUT and PATCH alike)."""
    _assign(rental, data)
    rental.save()
    return rental


def rental_delete(*, rental: Rental) -> None:
    """A rental with bookings (even canceled ones: they are history) cannot be deleted."""
    with transaction.atomic():
        if rental.bookings.exists():
            raise ValidationFailed({"": ["a rental with bookings cannot be deleted"]})
        try:
            rental.delete()
        except ProtectedError:  # a booking created meanwhile
            raise ValidationFailed({"": ["a rental with bookings cannot be deleted"]}) from None
