"""Typed booking input: what a write may carry, parsed and bounded once, at the edge.

The API (and any integration that speaks v3-shaped wire values: OfficeRnD, the iCal
import) turns a wire mapping into a `BookingInput` with `booking_input_from_wire`; the
admin builds the same dataclasses from its forms' cleaned_data. Services take these
typed values and never parse a string.

Every bound of a booking field is read from one place: the model field (max_length,
max_digits / decimal_places) or, where the column says nothing (the time window, list
sizes), a constant below. `bounds_errors` checks them for an input however it was
built, so the API, the admin and the services share the same limits (DESIGN §15).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from bookings import pricing
from bookings.models import Booking, BookingComment, BookingFee, BookingSeries, BookingTax, Client
from bookings.recurrence import MAX_RULE_LENGTH
from core.errors import ValidationFailed
from core.timeparse import MAX_INSTANT as LATEST
from core.timeparse import MIN_INSTANT as EARLIEST
from core.timeparse import OUT_OF_RANGE, parse_instant
from rentals.models import MAX_BUFFER_MINUTES

# Limits the columns do not state (DESIGN §15); the time bounds are core/timeparse.py's.
MAX_LIST_ITEMS = 100
MAX_BIGINT = 2**63 - 1  # ids (bigint columns)
MAX_COUNT = 2**31 - 1  # PositiveIntegerField on PostgreSQL and SQLite alike

_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3])(?::([0-5]\d))?$")


class _Unset:
    """A field the caller did not give (an update leaves it as it is)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()

# Wire names of the status choice (exactly one per create; DESIGN §3).
STATUS_FIELDS = ("booked", "unavailable", "tentative_expires_at")

DECIMAL_FIELDS = (
    "initial_price",
    "final_price",
    "channel_price",
    "commission",
    "downpayment",
    "final_payback_to_owner",
    "rental_payback_to_owner",
    "damage_deposit",
    "reconciliation",
)
TEXT_FIELDS = (
    "door_key_code",
    "external_reference",
    "source",
    "damage_deposit_external_collection_method_name",
    "notes",
    "summary",
    "description",
)
NON_NEGATIVE_FIELDS = ("damage_deposit", "rental_payback_to_owner")
BOOL_FIELDS = ("charge_damage_deposit_on_arrival", "imported", "free")
CHOICE_FIELDS = ("damage_deposit_collection_method", "cancelation_reason")
COUNT_FIELDS = ("adults", "children")
TIME_OF_DAY_FIELDS = ("expected_checkin_time", "expected_checkout_time")
# Preparation time in minutes (DESIGN §9), 0-MAX_BUFFER_MINUTES.
BUFFER_FIELDS = ("buffer_before", "buffer_after")
# Lists of the account's client ids (DESIGN §9, from OfficeRnD); at most MAX_LIST_ITEMS.
CLIENT_LIST_FIELDS_OF_BOOKING = ("visitors", "members")
# Prices a free booking must leave at 0 (DESIGN §9).
PRICE_FIELDS = ("initial_price", "final_price", "channel_price")
# `?scope=` of a write to an occurrence of a series (DESIGN §9).
SERIES_SCOPES = ("this", "following", "all")

# Every key a booking body may carry; anything else is ignored (read-only fields sent
# back by a client, unknown extensions).
BOOKING_WIRE_FIELDS = frozenset(
    {
        *DECIMAL_FIELDS,
        *TEXT_FIELDS,
        *BOOL_FIELDS,
        *CHOICE_FIELDS,
        *COUNT_FIELDS,
        *TIME_OF_DAY_FIELDS,
        *BUFFER_FIELDS,
        *CLIENT_LIST_FIELDS_OF_BOOKING,
        *STATUS_FIELDS,
        "initial_rental_price",
        "client_id",
        "currency",
        "discount",
        "start_at",
        "end_at",
        "booked_at",
        "metadata",
    }
)
NESTED_WIRE_FIELDS = frozenset({"bookings_fees", "bookings_taxes", "comments"})


def max_length(model: type[models.Model], name: str) -> int:
    """A text field's limit, as its model field states it (the one place it is written)."""
    limit = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    assert limit, f"{model.__name__}.{name} has no max_length"
    return int(limit)


def decimal_limit(model: type[models.Model], name: str) -> tuple[Decimal, int]:
    """(exclusive upper bound of the absolute value, decimal places) of a decimal column."""
    column = model._meta.get_field(name)
    places = int(column.decimal_places)  # type: ignore[union-attr]
    return Decimal(10) ** (int(column.max_digits) - places), places  # type: ignore[union-attr]


# --- the typed values -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FeeInput:
    """A fee to add. Blank name or price: taken from the catalogue fee `rentals_fee_id`."""

    name: str = ""
    price: Decimal | None = None
    times_booked: int = 1
    rentals_fee_id: int | None = None
    required: bool | None = None
    included_in_price: bool | None = None  # None: the catalogue fee's, else False


@dataclass(frozen=True, kw_only=True)
class TaxInput:
    name: str = ""
    amount: Decimal | None = None
    percentage: Decimal | None = None  # None: the account tax's, else 0
    tax_id: int | None = None
    taxable_type: str = BookingTax.TaxableType.RENTAL
    taxable_id: int | None = None
    included_in_price: bool | None = None  # None: the account tax's, else False


@dataclass(frozen=True, kw_only=True)
class CancelInput:
    reason: str = ""
    message_to_guest: str = ""
    message_to_channel: str = ""


@dataclass(frozen=True, kw_only=True)
class BookingInput:
    """The booking fields a write gives; UNSET ones are left alone (update) or take
    their default (create). `start_at` / `end_at` may be a bare `date`: that day at the
    rental's check-in / check-out time in its zone, resolved under the rental lock
    (`tentative_expires_at`, `booked_at`: midnight there).
    `status` is one of Booked, Tentative, Unavailable (Tentative needs
    `tentative_expires_at`)."""

    status: str = UNSET
    tentative_expires_at: dt.datetime | dt.date | None = UNSET
    start_at: dt.datetime | dt.date = UNSET
    end_at: dt.datetime | dt.date = UNSET
    # Minutes; on create, UNSET takes the rental's for Booked and Tentative, else 0.
    buffer_before: int = UNSET
    buffer_after: int = UNSET
    booked_at: dt.datetime | dt.date | None = UNSET
    client_id: int | None = UNSET
    adults: int | None = UNSET
    children: int | None = UNSET
    currency: str = UNSET
    initial_price: Decimal | None = UNSET
    discount: str = UNSET
    final_price: Decimal | None = UNSET
    channel_price: Decimal | None = UNSET
    commission: Decimal | None = UNSET
    downpayment: Decimal | None = UNSET
    final_payback_to_owner: Decimal | None = UNSET
    rental_payback_to_owner: Decimal | None = UNSET
    damage_deposit: Decimal = UNSET
    reconciliation: Decimal | None = UNSET
    charge_damage_deposit_on_arrival: bool = UNSET
    damage_deposit_collection_method: str = UNSET
    damage_deposit_external_collection_method_name: str = UNSET
    expected_checkin_time: str = UNSET
    expected_checkout_time: str = UNSET
    door_key_code: str = UNSET
    notes: str = UNSET
    external_reference: str = UNSET
    source: str = UNSET
    imported: bool = UNSET
    cancelation_reason: str = UNSET
    # Changes to the metadata (DESIGN §10): given keys replace, None or "" removes.
    metadata: Mapping[str, Any] = UNSET
    # DESIGN §9 (OfficeRnD): no fees, prices 0; a title and text; client ids.
    free: bool = UNSET
    summary: str = UNSET
    description: str = UNSET
    visitors: tuple[int, ...] = UNSET
    members: tuple[int, ...] = UNSET
    # Only on create.
    fees: tuple[FeeInput, ...] = ()
    taxes: tuple[TaxInput, ...] = ()
    comments: tuple[str, ...] = ()
    # The names the caller used, for messages about fields it may not change (a
    # booking locked to another application); default: the given fields' own names.
    named: frozenset[str] = field(default=frozenset(), compare=False)

    def values(self) -> dict[str, Any]:
        """The given booking columns (not the nested records)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("fees", "taxes", "comments", "named")
            and getattr(self, f.name) is not UNSET
        }

    def names(self) -> frozenset[str]:
        return self.named or frozenset(self.values())


# --- the bounds every input meets, however it was built ------------------------------


class Errors:
    """Failures collected per field, so one response names every bad field at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def merge(self, other: Mapping[str, list[str]]) -> None:
        for name, messages in other.items():
            for message in messages:
                if message not in self.by_field.get(name, []):
                    self.add(name, message)

    def raise_if_any(self, error_type: type[ValidationFailed] = ValidationFailed) -> None:
        if self.by_field:
            raise error_type(self.by_field)


def _time_bound_error(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        if not EARLIEST <= value <= LATEST:
            return OUT_OF_RANGE
    elif isinstance(value, dt.date) and not EARLIEST.date() <= value <= LATEST.date():
        return "must be between 1970-01-01 and 2199-12-31"
    return None


def _decimal_bound_error(model: type[models.Model], name: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    limit, _ = decimal_limit(model, name)
    return "is too large" if abs(value) >= limit else None


def _text_bound_error(model: type[models.Model], name: str, value: str) -> str | None:
    limit = max_length(model, name)
    if len(value) > limit:
        return f"is too long (maximum is {limit} characters)"
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        return "must not contain NUL characters"
    return None


def bounds_errors(booking_input: BookingInput) -> dict[str, list[str]]:
    """Each given field within its column and DESIGN §15 (the admin's forms bound most of
    these themselves; the service checks again, so no caller can pass a value that
    would fail in the database or make a later read fail)."""
    errors = Errors()
    values = booking_input.values()
    for name in ("start_at", "end_at", "booked_at", "tentative_expires_at"):
        problem = _time_bound_error(values.get(name))
        if problem:
            errors.add(name, problem)
    for name in DECIMAL_FIELDS:
        problem = _decimal_bound_error(Booking, name, values.get(name))
        if problem:
            errors.add(name, problem)
        elif name in NON_NEGATIVE_FIELDS and (values.get(name) or 0) < 0:
            errors.add(name, "must be greater than or equal to 0")
    for name in (*TEXT_FIELDS, "discount", "currency", *CHOICE_FIELDS, *TIME_OF_DAY_FIELDS):
        if isinstance(values.get(name), str):
            problem = _text_bound_error(Booking, name, values[name])
            if problem:
                errors.add(name, problem)
    # The formats of the coded text fields, whoever built the input (the same functions
    # read them from the wire, so a value they return always passes here).
    for name, check in _FORMATS.items():
        if isinstance(values.get(name), str) and name not in errors.by_field:
            try:
                check(values[name])
            except ValueError as exc:
                errors.add(name, str(exc))
    for name in BUFFER_FIELDS:
        minutes = values.get(name)
        if minutes is not None and not 0 <= minutes <= MAX_BUFFER_MINUTES:
            errors.add(name, f"must be between 0 and {MAX_BUFFER_MINUTES} (minutes)")
    for name in COUNT_FIELDS:
        number = values.get(name)
        if number is not None and number < 0:
            errors.add(name, "must be greater than or equal to 0")
        elif number is not None and number > MAX_COUNT:
            errors.add(name, "is too large")
    for name in CLIENT_LIST_FIELDS_OF_BOOKING:
        ids = values.get(name)
        if ids is not None and len(ids) > MAX_LIST_ITEMS:
            errors.add(name, f"is too long (maximum is {MAX_LIST_ITEMS} items)")
        elif ids is not None and any(not 1 <= item <= MAX_BIGINT for item in ids):
            errors.add(name, "must be a list of client ids")
    for key, items in (
        ("bookings_fees", booking_input.fees),
        ("bookings_taxes", booking_input.taxes),
        ("comments", booking_input.comments),
    ):
        if len(items) > MAX_LIST_ITEMS:
            errors.add(key, f"is too long (maximum is {MAX_LIST_ITEMS} items)")
    for index, fee in enumerate(booking_input.fees):
        errors.merge(fee_bounds_errors(fee, prefix=f"bookings_fees.{index}"))
    for index, tax in enumerate(booking_input.taxes):
        errors.merge(tax_bounds_errors(tax, prefix=f"bookings_taxes.{index}"))
    for index, text in enumerate(booking_input.comments):
        errors.merge(comment_bounds_errors(text, prefix=f"comments.{index}.content"))
    return errors.by_field


def fee_bounds_errors(fee: FeeInput, *, prefix: str) -> dict[str, list[str]]:
    errors = Errors()
    problem = _text_bound_error(BookingFee, "name", fee.name)
    if problem:
        errors.add(f"{prefix}.name", problem)
    problem = _decimal_bound_error(BookingFee, "price", fee.price)
    if problem:
        errors.add(f"{prefix}.price", problem)
    elif fee.price is not None and fee.price < 0:
        errors.add(f"{prefix}.price", "must be greater than or equal to 0")
    if fee.times_booked < 1:
        errors.add(f"{prefix}.times_booked", "must be greater than or equal to 1")
    elif fee.times_booked > MAX_COUNT:
        errors.add(f"{prefix}.times_booked", "is too large")
    return errors.by_field


def tax_bounds_errors(tax: TaxInput, *, prefix: str) -> dict[str, list[str]]:
    errors = Errors()
    problem = _text_bound_error(BookingTax, "name", tax.name)
    if problem:
        errors.add(f"{prefix}.name", problem)
    problem = _decimal_bound_error(BookingTax, "amount", tax.amount)
    if problem:
        errors.add(f"{prefix}.amount", problem)
    if tax.percentage is not None:
        limit, _ = decimal_limit(BookingTax, "percentage")
        if tax.percentage < 0:
            errors.add(f"{prefix}.percentage", "must be greater than or equal to 0")
        elif tax.percentage >= limit:
            errors.add(f"{prefix}.percentage", f"must be less than {limit}")
    if tax.taxable_type not in BookingTax.TaxableType.values:
        errors.add(f"{prefix}.taxable_type", "must be Rental or BookingsFee")
    return errors.by_field


def comment_bounds_errors(text: str, *, prefix: str) -> dict[str, list[str]]:
    if not text.strip():
        return {prefix: ["can't be blank"]}
    problem = _text_bound_error(BookingComment, "content", text)
    return {prefix: [problem]} if problem else {}


def cancel_bounds_errors(cancel: CancelInput) -> dict[str, list[str]]:
    errors = Errors()
    if cancel.reason and cancel.reason not in Booking.CancelationReason.values:
        errors.add(
            "cancelation_reason", "must be one of " + ", ".join(Booking.CancelationReason.values)
        )
    for name, value in (
        ("cancelation_message_to_guest", cancel.message_to_guest),
        ("cancelation_message_to_channel", cancel.message_to_channel),
    ):
        problem = _text_bound_error(Booking, name, value)
        if problem:
            errors.add(name, problem)
    return errors.by_field


# --- wire values -> typed values ------------------------------------------------------


def _decimal(value: Any, places: int = 2) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a number")
    # Before rounding: quantizing 1E+999999999999999999 would overflow (decimal.Overflow).
    # Every decimal column holds less than 10**20; bounds_errors names the exact limit.
    if number.adjusted() >= 20:
        raise ValueError("is too large")
    return pricing.round_to(number, places)


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 40:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValueError("must be an integer")
    if abs(value) > MAX_BIGINT:
        raise ValueError("is too large")
    return value


def client_ids(value: Any) -> tuple[int, ...]:
    """`visitors` / `members`: a list of client ids (numbers or numeric strings), without
    repeats, in the order given; null is the empty list."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("must be a list of client ids")
    if len(value) > MAX_LIST_ITEMS:
        raise ValueError(f"is too long (maximum is {MAX_LIST_ITEMS} items)")
    ids = []
    for item in value:
        number = _integer(item)
        if number is None or number < 1:
            raise ValueError("must be a list of client ids")
        ids.append(number)
    return tuple(dict.fromkeys(ids))


def metadata_object(value: Any) -> Mapping[str, Any]:
    """The shape only; the service applies core/metadata.py's rules while merging."""
    if not isinstance(value, Mapping):
        raise ValueError("must be an object")
    return value


def minutes(value: Any) -> int:
    """A buffer: a whole number of minutes, never null (bounds_errors checks 0-10080)."""
    number = _integer(value)
    if number is None:
        raise ValueError("can't be blank")
    return number


def boolean(value: Any) -> bool:
    """The one boolean parser of wire values."""
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "False"):
        return False
    if value in (1, "1", "true", "True"):
        return True
    raise ValueError("must be true or false")


def text(value: Any) -> str:
    """A wire value as text: strings and numbers; NUL characters refused."""
    if value is None:
        return ""
    if not isinstance(value, (str, int, float, Decimal)) or isinstance(value, bool):
        raise ValueError("must be a string")
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise ValueError("must not contain NUL characters")
    return str(value)


def _translated_name(value: Any) -> str:
    """A name is a string or a translations object ({"en": "Cleaning"})."""
    if isinstance(value, Mapping):
        texts = [str(item) for item in value.values() if item]
        value = value.get("en") or (texts[0] if texts else "")
    return text(value).strip()


def time_of_day(value: Any) -> str:
    """`12` or `12:30` -> `12:00` / `12:30`; blank stays blank."""
    stripped = text(value).strip()
    if not stripped:
        return ""
    match = _TIME_OF_DAY.match(stripped)
    if not match:
        raise ValueError("must be blank or a time (12, 12:30)")
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


def _instant_or_date(value: Any) -> dt.datetime | dt.date:
    if value is None or value == "":
        raise ValueError("can't be blank")
    parsed = parse_instant(value)
    if isinstance(parsed, dt.datetime):
        # Whole seconds, as every time is shown: a stored fraction would block a
        # neighbour that starts at the shown end (issue 18, "one truth of time").
        return parsed.astimezone(dt.UTC).replace(microsecond=0)
    return parsed


def _choice(choices: list[str]):
    def convert(value: Any) -> str:
        chosen = text(value).strip()
        if chosen and chosen not in choices:
            raise ValueError("must be one of " + ", ".join(choices))
        return chosen

    return convert


def currency_code(value: Any) -> str:
    currency = text(value).strip().upper()
    if currency and currency not in pricing.SUPPORTED_CURRENCIES:
        raise ValueError("is not a supported ISO 4217 currency")
    return currency


def discount(value: Any) -> str:
    discount = text(value).strip()
    pricing.parse_discount(discount)
    return discount


class _Reader:
    """Reads wire values into typed ones, collecting one message per bad field."""

    def __init__(self) -> None:
        self.errors = Errors()

    def read(self, name: str, convert, value: Any) -> Any:
        try:
            return convert(value)
        except (ValueError, TypeError, ArithmeticError) as exc:
            self.errors.add(name, str(exc) or "is invalid")
            return UNSET

    def items(self, data: Mapping[str, Any], name: str) -> list[Any]:
        items = data.get(name) or []
        if not isinstance(items, list):
            self.errors.add(name, "must be a list")
            return []
        if len(items) > MAX_LIST_ITEMS:
            self.errors.add(name, f"is too long (maximum is {MAX_LIST_ITEMS} items)")
            return []
        return items


_CONVERTERS: dict[str, Any] = {
    **dict.fromkeys(DECIMAL_FIELDS, _decimal),
    **{name: lambda v: text(v) for name in TEXT_FIELDS},
    **dict.fromkeys(BOOL_FIELDS, boolean),
    **dict.fromkeys(COUNT_FIELDS, _integer),
    **dict.fromkeys(TIME_OF_DAY_FIELDS, time_of_day),
    **dict.fromkeys(BUFFER_FIELDS, minutes),
    "damage_deposit_collection_method": _choice(Booking.DepositCollection.values),
    "cancelation_reason": _choice(Booking.CancelationReason.values),
    "currency": currency_code,
    "discount": discount,
    "client_id": _integer,
    **dict.fromkeys(CLIENT_LIST_FIELDS_OF_BOOKING, client_ids),
    "metadata": metadata_object,
    "start_at": _instant_or_date,
    "end_at": _instant_or_date,
}


_FORMATS: dict[str, Any] = {
    name: _CONVERTERS[name]
    for name in ("currency", "discount", *TIME_OF_DAY_FIELDS, *CHOICE_FIELDS)
}


def booking_input_from_wire(
    data: Mapping[str, Any], *, creating: bool, nested: bool = False
) -> BookingInput:
    """The one parser of a v3 booking body (DESIGN §3) into a BookingInput.

    `creating`: the status choice and both times are required, as on POST. `nested`:
    also read `bookings_fees`, `bookings_taxes` and `comments` (a create). Unknown and
    read-only keys are ignored. Raises ValidationFailed naming every bad field.
    """
    reader = _Reader()
    data = {
        key: value for key, value in data.items() if key in BOOKING_WIRE_FIELDS | NESTED_WIRE_FIELDS
    }
    if "initial_rental_price" in data and "initial_price" not in data:
        data["initial_price"] = data["initial_rental_price"]
    values: dict[str, Any] = {}
    for name, convert in _CONVERTERS.items():
        if name in data or (creating and name in ("start_at", "end_at")):
            values[name] = reader.read(name, convert, data.get(name))
    if values.get("damage_deposit", UNSET) is None:
        values["damage_deposit"] = Decimal("0.00")
    if data.get("booked_at") not in (None, ""):
        values["booked_at"] = reader.read("booked_at", _instant_or_date, data["booked_at"])
    _read_status(data, values, reader, creating=creating)

    fees: list[FeeInput] = []
    taxes: list[TaxInput] = []
    comments: list[str] = []
    if nested:
        for index, raw in enumerate(reader.items(data, "bookings_fees")):
            fee = _fee_from_wire(raw, reader, prefix=f"bookings_fees.{index}")
            if fee is not None:
                fees.append(fee)
        for index, raw in enumerate(reader.items(data, "bookings_taxes")):
            tax = _tax_from_wire(raw, reader, prefix=f"bookings_taxes.{index}")
            if tax is not None:
                taxes.append(tax)
        for index, raw in enumerate(reader.items(data, "comments")):
            content = reader.read(
                f"comments.{index}.content",
                text,
                raw.get("content") if isinstance(raw, Mapping) else raw,
            )
            comments.append(content or "")

    named = frozenset(name for name in data if name in BOOKING_WIRE_FIELDS)
    booking_input = BookingInput(
        **{name: value for name, value in values.items() if value is not UNSET},
        fees=tuple(fees),
        taxes=tuple(taxes),
        comments=tuple(comments),
        named=frozenset(named),
    )
    reader.errors.merge(bounds_errors(booking_input))
    reader.errors.raise_if_any()
    return booking_input


def _read_status(
    data: Mapping[str, Any], values: dict[str, Any], reader: _Reader, *, creating: bool
) -> None:
    """Exactly one of booked: true, unavailable: true, tentative_expires_at: <time>."""
    if not creating and not any(name in data for name in STATUS_FIELDS):
        return
    chosen: list[str] = []
    if reader.read("booked", boolean, data.get("booked")):
        chosen.append("booked")
    if reader.read("unavailable", boolean, data.get("unavailable")):
        chosen.append("unavailable")
    expires_at = None
    if data.get("tentative_expires_at") not in (None, ""):
        expires_at = reader.read(
            "tentative_expires_at", _instant_or_date, data["tentative_expires_at"]
        )
        if expires_at:
            chosen.append("tentative_expires_at")
    if len(chosen) != 1:
        reader.errors.add(
            "status",
            "give exactly one of booked: true, unavailable: true or tentative_expires_at"
            + (f" (got {', '.join(chosen)})" if chosen else ""),
        )
        return
    values["status"] = {
        "booked": Booking.Status.BOOKED,
        "unavailable": Booking.Status.UNAVAILABLE,
        "tentative_expires_at": Booking.Status.TENTATIVE,
    }[chosen[0]]
    values["tentative_expires_at"] = expires_at


def fee_input_from_wire(raw: Any, *, prefix: str = "bookings_fees.0") -> FeeInput:
    """One `bookings_fees` entry (add_bookings_fee)."""
    reader = _Reader()
    fee = _fee_from_wire(raw, reader, prefix=prefix)
    reader.errors.raise_if_any()
    assert fee is not None
    return fee


def _fee_from_wire(raw: Any, reader: _Reader, *, prefix: str) -> FeeInput | None:
    if not isinstance(raw, Mapping):
        reader.errors.add(prefix, "must be an object")
        return None
    fee = FeeInput(
        name=reader.read(f"{prefix}.name", _translated_name, raw.get("name")) or "",
        price=_or(reader.read(f"{prefix}.price", _decimal, raw.get("price")), None),
        times_booked=_or(
            reader.read(f"{prefix}.times_booked", _integer, raw.get("times_booked", 1)), 1
        ),
        rentals_fee_id=_or(
            reader.read(f"{prefix}.rentals_fee_id", _integer, raw.get("rentals_fee_id")), None
        ),
        required=(
            _or(reader.read(f"{prefix}.required", boolean, raw["required"]), None)
            if raw.get("required") is not None
            else None
        ),
        included_in_price=(
            _or(reader.read(f"{prefix}.included_in_price", boolean, raw["included_in_price"]), None)
            if "included_in_price" in raw
            else None
        ),
    )
    reader.errors.merge(fee_bounds_errors(fee, prefix=prefix))
    return fee


def _or(value: Any, default: Any) -> Any:
    return default if value is UNSET or value is None else value


def _tax_from_wire(raw: Any, reader: _Reader, *, prefix: str) -> TaxInput | None:
    if not isinstance(raw, Mapping):
        reader.errors.add(prefix, "must be an object")
        return None
    included = raw.get("included", raw.get("included_in_price", raw.get("tax_included_in_price")))
    tax = TaxInput(
        name=reader.read(f"{prefix}.name", _translated_name, raw.get("name")) or "",
        amount=_or(reader.read(f"{prefix}.amount", _decimal, raw.get("amount")), None),
        percentage=_or(
            reader.read(f"{prefix}.percentage", lambda v: _decimal(v, 3), raw.get("percentage")),
            None,
        ),
        tax_id=_or(reader.read(f"{prefix}.tax_id", _integer, raw.get("tax_id")), None),
        taxable_type=text(raw.get("taxable_type") or BookingTax.TaxableType.RENTAL)
        if isinstance(raw.get("taxable_type") or "", str)
        else "",
        taxable_id=_or(reader.read(f"{prefix}.taxable_id", _integer, raw.get("taxable_id")), None),
        included_in_price=(
            _or(reader.read(f"{prefix}.included", boolean, included), None)
            if included is not None
            else None
        ),
    )
    reader.errors.merge(tax_bounds_errors(tax, prefix=prefix))
    return tax


@dataclass(frozen=True, kw_only=True)
class SeriesInput:
    """`recurrence.rrule` and `on_conflict` of a create (DESIGN §9). The rule is only
    bounded here; bookings/recurrence.py parses and expands it (it needs the rental's
    zone and the first occurrence's times)."""

    rrule: str
    on_conflict: str = "fail"
    # A Tentative series: each occurrence's hold keeps the first one's distance to its
    # start (OfficeRnD: a hold lapses at its own start) instead of all lapsing together.
    holds_follow_occurrences: bool = False


def series_input_from_wire(data: Mapping[str, Any]) -> SeriesInput | None:
    """The series a create body asks for, or None for a single booking."""
    reader = _Reader()
    on_conflict = data.get("on_conflict")
    if on_conflict is not None and on_conflict not in BookingSeries.OnConflict.values:
        reader.errors.add("on_conflict", "must be fail or skip")
    recurrence = data.get("recurrence")
    if recurrence is None:
        reader.errors.raise_if_any()
        return None
    rule = recurrence.get("rrule") if isinstance(recurrence, Mapping) else None
    if not isinstance(rule, str) or not rule.strip():
        reader.errors.add("recurrence", 'must be {"rrule": "FREQ=WEEKLY;COUNT=10"}')
    elif len(rule) > MAX_RULE_LENGTH:
        reader.errors.add(
            "recurrence", f"rrule is too long (maximum is {MAX_RULE_LENGTH} characters)"
        )
    elif "\x00" in rule:
        reader.errors.add("recurrence", "must not contain NUL characters")
    reader.errors.raise_if_any()
    return SeriesInput(rrule=rule.strip(), on_conflict=on_conflict or "fail")  # type: ignore[union-attr]


def series_scope_from_wire(value: Any) -> str:
    """`?scope=this|following|all` (default this); anything else is a 422 on `scope`."""
    if value is None or value == "":
        return "this"
    if value not in SERIES_SCOPES:
        raise ValidationFailed({"scope": ["must be one of " + ", ".join(SERIES_SCOPES)]})
    return str(value)


def cancel_input_from_wire(data: Mapping[str, Any]) -> CancelInput:
    """The optional body of DELETE /bookings/{id}."""
    reader = _Reader()
    cancel = CancelInput(
        reason=_or(
            reader.read("cancelation_reason", text, data.get("cancelation_reason")), ""
        ).strip(),
        message_to_guest=_or(
            reader.read(
                "cancelation_message_to_guest", text, data.get("cancelation_message_to_guest")
            ),
            "",
        ),
        message_to_channel=_or(
            reader.read(
                "cancelation_message_to_channel", text, data.get("cancelation_message_to_channel")
            ),
            "",
        ),
    )
    reader.errors.merge(cancel_bounds_errors(cancel))
    reader.errors.raise_if_any()
    return cancel


def comment_from_wire(content: Any) -> str:
    reader = _Reader()
    value = _or(reader.read("content", text, content), "").strip()
    reader.errors.raise_if_any()
    errors = comment_bounds_errors(value, prefix="content")
    if errors:
        raise ValidationFailed(errors)
    return value


# --- clients ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ClientInput:
    fullname: str = UNSET
    firstname: str = UNSET
    lastname: str = UNSET
    emails: list[str] = UNSET
    phones: list[str] = UNSET
    notes: str = UNSET
    preferred_locale: str = UNSET
    metadata: Mapping[str, Any] = UNSET  # changes, merged by the service (DESIGN §10)

    def values(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not UNSET
        }


CLIENT_TEXT_FIELDS = ("fullname", "firstname", "lastname", "notes", "preferred_locale")
CLIENT_LIST_FIELDS = ("emails", "phones")
CLIENT_LIST_ITEM_LENGTH = 254  # an e-mail address's maximum (RFC 5321), phones fit too


def client_bounds_errors(client_input: ClientInput) -> dict[str, list[str]]:
    errors = Errors()
    values = client_input.values()
    for name in CLIENT_TEXT_FIELDS:
        if name in values:
            problem = _text_bound_error(Client, name, values[name])
            if problem:
                errors.add(name, problem)
    if not values.get("fullname", "x"):
        errors.add("fullname", "can't be blank")
    for name in CLIENT_LIST_FIELDS:
        items = values.get(name)
        if items is None:
            continue
        if len(items) > MAX_LIST_ITEMS:
            errors.add(name, f"is too long (maximum is {MAX_LIST_ITEMS} items)")
        elif any(len(item) > CLIENT_LIST_ITEM_LENGTH or "\x00" in item for item in items):
            errors.add(name, f"items must be at most {CLIENT_LIST_ITEM_LENGTH} characters")
    return errors.by_field


def string_list(value: Any) -> list[str]:
    """`emails` / `phones`: a list of strings (a single string is a list of one)."""
    if value is None:
        value = []
    elif isinstance(value, str):
        value = [value] if value.strip() else []
    if not isinstance(value, list) or not all(
        isinstance(item, str) and "\x00" not in item for item in value
    ):
        raise ValueError("must be a list of strings")
    return [item.strip() for item in value if item.strip()]


def client_input_from_wire(data: Mapping[str, Any]) -> ClientInput:
    reader = _Reader()
    values: dict[str, Any] = {}
    for name in CLIENT_TEXT_FIELDS:
        if name in data:
            values[name] = reader.read(name, lambda v: text(v).strip(), data[name])
    for name in CLIENT_LIST_FIELDS:
        if name in data:
            values[name] = reader.read(name, string_list, data[name])
    if "metadata" in data:
        values["metadata"] = reader.read("metadata", metadata_object, data["metadata"])
    client_input = ClientInput(**{k: v for k, v in values.items() if v is not UNSET})
    reader.errors.merge(client_bounds_errors(client_input))
    reader.errors.raise_if_any()
    return client_input
