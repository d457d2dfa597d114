"""Typed rental input: the v3 rental body parsed once, at the edge (API; the admin's
form and the Overbooked resource views build the same RentalInput). Limits are the
model's fields, and MAX_BOOKING_DISABLED_BEFORE."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError

from core.currencies import SUPPORTED_CURRENCIES
from core.errors import ValidationFailed
from rentals.models import Rental

INTEGER_FIELDS = (
    "sleeps",
    "sleeps_max",
    "bedrooms_count",
    "bathrooms_count",
    "balance_due_days",
    "buffer_before",
    "buffer_after",
)
TEXT_FIELDS = (
    "name",
    "headline",
    "summary",
    "address1",
    "address2",
    "zip",
    "city",
    "state",
    "country_code",
    "timezone",
    "currency",
)
TIME_FIELDS = ("checkin_time", "checkout_time")
# The rental as an Overbooked resource (DESIGN §10). `metadata` is the changes to merge
# (core/metadata.py: a key set to None or "" is removed), not the whole object.
RESOURCE_FIELDS = ("status", "booking_disabled_before", "public_scheduling_enabled", "metadata")
MAX_BOOKING_DISABLED_BEFORE = 10 * 366 * 24 * 3600  # ten years, in seconds
NOT_NULL_FIELDS = frozenset(
    {
        "name",
        "timezone",
        "checkin_time",
        "checkout_time",
        "currency",
        "balance_due_days",
        "buffer_before",
        "buffer_after",
    }
)
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class RentalInput:
    """The typed values of the fields a rental write gives (model field name -> value:
    `str`, `int | None`, `bool`, `datetime.time`, a metadata mapping); absent fields
    stay as they are."""

    given: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, **values: Any) -> RentalInput:
        unknown = set(values) - {*TEXT_FIELDS, *INTEGER_FIELDS, *TIME_FIELDS, *RESOURCE_FIELDS}
        assert not unknown, f"not rental input fields: {unknown}"
        return cls(given=dict(values))

    def values(self) -> dict[str, Any]:
        return dict(self.given)


def time_of_day(value: Any) -> dt.time:
    """`HH:MM` and nothing else: seconds or an offset would be stored but not shown."""
    if isinstance(value, dt.time) and value.second == 0 and value.microsecond == 0:
        return value.replace(tzinfo=None)
    match = _HH_MM.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError("must be a time (HH:MM)")
    return dt.time(int(match.group(1)), int(match.group(2)))


@functools.cache
def canonical_timezones() -> frozenset[str]:
    """The IANA zone names of the pinned `tzdata` package, not whatever the host has
    (`localtime` follows the host's settings; `Factory` is no place)."""
    names = (resources.files("tzdata") / "zones").read_text().split()
    return frozenset(names) - {"Factory", "localtime", "posixrules"}


def timezone_name(value: Any) -> str:
    name = str(value).strip()
    if name not in canonical_timezones():
        raise ValueError(f"{name!r} is not an IANA time zone")
    return name


def currency_code(value: Any) -> str:
    currency = str(value).strip().upper()
    if currency not in SUPPORTED_CURRENCIES:
        raise ValueError("is not a supported ISO 4217 currency")
    return currency


def rental_input_from_wire(data: Mapping[str, Any], *, creating: bool = False) -> RentalInput:
    """Parse the known keys of a v3 rental body; unknown and read-only keys are ignored.
    Each value also meets its model field's validators here, so one 422 names every
    bad field (the service checks the whole row again, for every caller)."""
    errors: dict[str, list[str]] = {}
    if creating and "name" not in data:
        errors["name"] = ["can't be blank"]
    values: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, *INTEGER_FIELDS, *TIME_FIELDS):
        if name not in data:
            continue
        value = data[name]
        if (
            isinstance(value, (dict, list))
            or (isinstance(value, bool) and name in INTEGER_FIELDS)
            or (isinstance(value, str) and "\x00" in value)  # PostgreSQL text cannot hold NUL
        ):
            errors[name] = ["is invalid"]
            continue
        if value is None and name not in INTEGER_FIELDS:
            if name in NOT_NULL_FIELDS:
                errors[name] = ["can't be blank"]
                continue
            value = ""
        try:
            if name in TIME_FIELDS:
                value = time_of_day(value)
            elif name == "currency":
                value = currency_code(value)
            elif name == "timezone":
                value = timezone_name(value)
            elif name == "country_code" and isinstance(value, str):
                value = value.strip().upper()
        except ValueError as exc:
            errors[name] = [str(exc)]
            continue
        try:
            Rental._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = list(exc.messages)
            continue
        values[name] = value
    if errors:
        raise ValidationFailed(errors)
    return RentalInput.of(**values)
