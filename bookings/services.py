"""Every write to a booking, its fees, taxes and comments, and the clients it names.

Callers (API, admin, tasks, commands) pass plain values; these functions coerce and
validate them against every rule of DESIGN §3, collect the failures per field into one
domain error, and write in one transaction.

The overlap guarantee, in order of defence:
1. the rental row is locked (`SELECT … FOR UPDATE`; SQLite serialises writers with
   BEGIN IMMEDIATE instead), so two writers on one rental take turns and the loser of
   a race sees the winner's booking and gets an ordinary BookingOverlap;
2. expired holds on the rental are canceled inside that transaction, so they never
   stand in the way;
3. the PostgreSQL exclusion constraint `booking_no_overlap` is the backstop; if it ever
   fires (or a deadlock on it), the caller still gets BookingOverlap, never a 500.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from bookings import pricing
from bookings.errors import BookingLocked, BookingOverlap, InvalidStatusChange
from bookings.models import (
    Booking,
    BookingComment,
    BookingFee,
    BookingTax,
    Client,
    reference_for,
)
from core.errors import NotFound, ValidationFailed
from core.timeparse import parse_instant
from rentals.models import Rental, RentalsFee, Tax

OVERLAP_CONSTRAINT = "booking_no_overlap"
NOTES_MAX_LENGTH = 6000
SWEEP_BATCH_SIZE = 1000
# What the columns can hold: a 500 from the database is never the answer to big input.
MAX_AMOUNT = Decimal(10) ** 10
MAX_COUNT = 2**31 - 1
MAX_BIGINT = 2**63 - 1

# Fields another application may still change on a booking locked to its creator.
LOCKED_WRITABLE_FIELDS = frozenset(
    {"expected_checkin_time", "expected_checkout_time", "rental_payback_to_owner"}
)
STATUS_FIELDS = ("booked", "unavailable", "tentative_expires_at")

_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3])(?::([0-5]\d))?$")

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
TEXT_FIELDS = {
    "door_key_code": 50,
    "external_reference": 100,
    "source": 100,
    "damage_deposit_external_collection_method_name": 100,
    "notes": NOTES_MAX_LENGTH,
}
BOOL_FIELDS = ("charge_damage_deposit_on_arrival", "imported")
BOOKING_INPUT_FIELDS = frozenset(
    {
        *DECIMAL_FIELDS,
        *TEXT_FIELDS,
        *BOOL_FIELDS,
        *STATUS_FIELDS,
        "initial_rental_price",
        "adults",
        "children",
        "client_id",
        "currency",
        "discount",
        "damage_deposit_collection_method",
        "expected_checkin_time",
        "expected_checkout_time",
        "start_at",
        "end_at",
        "booked_at",
        "cancelation_reason",
    }
)


# --- coercion -------------------------------------------------------------------------


@dataclass
class _Errors:
    """Failures collected per field, so one response names every bad field at once."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self, error_type: type[ValidationFailed] = ValidationFailed) -> None:
        if self.by_field:
            raise error_type(self.by_field)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a number")
    if abs(number) >= MAX_AMOUNT:  # the columns hold 12 digits, 2 of them decimals
        raise ValueError("is too large")
    return pricing.money(number)


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValueError("must be an integer")
    if abs(value) > MAX_BIGINT:
        raise ValueError("is too large")
    return value


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "False"):
        return False
    if value in (1, "1", "true", "True"):
        return True
    raise ValueError("must be true or false")


def _text(value: Any) -> str:
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
        texts = [str(text) for text in value.values() if text]
        value = value.get("en") or (texts[0] if texts else "")
    return _text(value).strip()


def _time_of_day(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        return ""
    match = _TIME_OF_DAY.match(text)
    if not match:
        raise ValueError("must be blank or a time (12, 12:30)")
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


def _instant(value: Any, *, rental: Rental, wall_time: dt.time) -> dt.datetime:
    """A time of the booking: a bare date means that day at `wall_time` in the rental's zone."""
    if value is None or value == "":
        raise ValueError("can't be blank")
    parsed = parse_instant(value)
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime.combine(parsed, wall_time, tzinfo=rental.tzinfo)
    return parsed.astimezone(dt.UTC)


def _coerce(errors: _Errors, name: str, convert, value: Any) -> Any:
    try:
        return convert(value)
    except (ValueError, TypeError) as exc:
        errors.add(name, str(exc) or "is invalid")
        return None


# --- booking values -------------------------------------------------------------------


def _booking_values(
    data: Mapping[str, Any], *, rental: Rental, booking: Booking | None, now: dt.datetime
) -> dict[str, Any]:
    """Coerce and validate the booking fields present in `data`; return model values.

    `booking` is the current row on update (its values fill in what `data` omits
    for the cross-field rules), None on create.
    """
    errors = _Errors()
    data = {key: value for key, value in data.items() if key in BOOKING_INPUT_FIELDS}
    if "initial_rental_price" in data and "initial_price" not in data:
        data["initial_price"] = data["initial_rental_price"]
    data.pop("initial_rental_price", None)
    values: dict[str, Any] = {}

    for name in DECIMAL_FIELDS:
        if name in data:
            values[name] = _coerce(errors, name, _decimal, data[name])
    if values.get("damage_deposit", 0) is None:
        values["damage_deposit"] = Decimal("0.00")
    for name, max_length in TEXT_FIELDS.items():
        if name in data:
            text = _coerce(errors, name, _text, data[name])
            if text is not None and len(text) > max_length:
                errors.add(name, f"is too long (maximum is {max_length} characters)")
            values[name] = text or ""
    for name in BOOL_FIELDS:
        if name in data:
            values[name] = _coerce(errors, name, _boolean, data[name])
    for name in ("adults", "children"):
        if name in data:
            number = _coerce(errors, name, _integer, data[name])
            if number is not None and number < 0:
                errors.add(name, "must be greater than or equal to 0")
            elif number is not None and number > MAX_COUNT:
                errors.add(name, "is too large")
            values[name] = number
    for name in ("expected_checkin_time", "expected_checkout_time"):
        if name in data:
            values[name] = _coerce(errors, name, _time_of_day, data[name]) or ""
    if "discount" in data:
        discount = _coerce(errors, "discount", _text, data["discount"]) or ""
        try:
            pricing.parse_discount(discount)
        except ValueError as exc:
            errors.add("discount", str(exc))
        values["discount"] = discount.strip()
    if "currency" in data:
        currency = (_coerce(errors, "currency", _text, data["currency"]) or "").strip().upper()
        if currency and currency not in pricing.SUPPORTED_CURRENCIES:
            errors.add("currency", "is not a supported ISO 4217 currency")
        values["currency"] = currency
    if "damage_deposit_collection_method" in data:
        method = (
            _coerce(
                errors,
                "damage_deposit_collection_method",
                _text,
                data["damage_deposit_collection_method"],
            )
            or ""
        )
        if method and method not in Booking.DepositCollection.values:
            errors.add(
                "damage_deposit_collection_method",
                "must be one of " + ", ".join(Booking.DepositCollection.values),
            )
        values["damage_deposit_collection_method"] = method
    if "cancelation_reason" in data:
        reason = _coerce(errors, "cancelation_reason", _text, data["cancelation_reason"]) or ""
        if reason and reason not in Booking.CancelationReason.values:
            errors.add(
                "cancelation_reason",
                "must be one of " + ", ".join(Booking.CancelationReason.values),
            )
        values["cancelation_reason"] = reason
    if "client_id" in data:
        client_id = _coerce(errors, "client_id", _integer, data["client_id"])
        if (
            client_id is not None
            and not Client.objects.filter(pk=client_id, account_id=rental.account_id).exists()
        ):
            errors.add("client_id", "no such client")
        values["client_id"] = client_id
    for name, wall_time in (("start_at", rental.checkin_time), ("end_at", rental.checkout_time)):
        if name in data or booking is None:
            values[name] = _coerce(
                errors,
                name,
                lambda v, w=wall_time: _instant(v, rental=rental, wall_time=w),
                data.get(name),
            )
    if "booked_at" in data and data["booked_at"] not in (None, ""):
        values["booked_at"] = _coerce(
            errors,
            "booked_at",
            lambda v: _instant(v, rental=rental, wall_time=dt.time()),
            data["booked_at"],
        )

    _status_values(data, values, errors, rental=rental, booking=booking, now=now)
    _cross_field_rules(values, errors, booking=booking)
    errors.raise_if_any()
    return values


def _status_values(
    data: Mapping[str, Any],
    values: dict[str, Any],
    errors: _Errors,
    *,
    rental: Rental,
    booking: Booking | None,
    now: dt.datetime,
) -> None:
    """Exactly one of booked: true, unavailable: true, tentative_expires_at: <future>."""
    given = [name for name in STATUS_FIELDS if name in data]
    if booking is not None and not given:
        return
    chosen: list[str] = []
    if _coerce(errors, "booked", _boolean, data.get("booked")):
        chosen.append("booked")
    if _coerce(errors, "unavailable", _boolean, data.get("unavailable")):
        chosen.append("unavailable")
    expires_at = None
    if data.get("tentative_expires_at") not in (None, ""):
        expires_at = _coerce(
            errors,
            "tentative_expires_at",
            lambda v: _instant(v, rental=rental, wall_time=dt.time()),
            data["tentative_expires_at"],
        )
        if expires_at is not None:
            chosen.append("tentative_expires_at")
            if expires_at <= now:
                errors.add("tentative_expires_at", "must be in the future")
    if len(chosen) != 1:
        errors.add(
            "status",
            "give exactly one of booked: true, unavailable: true or tentative_expires_at"
            + (f" (got {', '.join(chosen)})" if chosen else ""),
        )
        return
    status = {
        "booked": Booking.Status.BOOKED,
        "unavailable": Booking.Status.UNAVAILABLE,
        "tentative_expires_at": Booking.Status.TENTATIVE,
    }[chosen[0]]
    values["status"] = status
    values["tentative_expires_at"] = expires_at if status == Booking.Status.TENTATIVE else None
    if status == Booking.Status.BOOKED and not values.get("booked_at"):
        values["booked_at"] = booking.booked_at if booking and booking.booked_at else now


def _cross_field_rules(values: dict[str, Any], errors: _Errors, *, booking: Booking | None) -> None:
    def current(name: str) -> Any:
        if name in values:
            return values[name]
        return getattr(booking, name) if booking is not None else None

    start_at, end_at = current("start_at"), current("end_at")
    if start_at and end_at and start_at >= end_at:
        errors.add("end_at", "must be after start_at")
    if current("damage_deposit") is not None and current("damage_deposit") < 0:
        errors.add("damage_deposit", "must be greater than or equal to 0")
    rental_payback, initial_price = current("rental_payback_to_owner"), current("initial_price")
    if rental_payback is not None:
        if rental_payback < 0:
            errors.add("rental_payback_to_owner", "must be greater than or equal to 0")
        elif initial_price is None or rental_payback >= initial_price:
            errors.add("rental_payback_to_owner", "must be lower than initial_price")
    ext_name = current("damage_deposit_external_collection_method_name")
    if ext_name and current("damage_deposit_collection_method") != "external":
        errors.add(
            "damage_deposit_external_collection_method_name",
            "must be blank unless damage_deposit_collection_method is external",
        )


def _money_rules(booking: Booking, errors: _Errors) -> None:
    """Rules that need the final price, checked once it is known (given or computed)."""
    for name in ("commission", "downpayment"):
        if getattr(booking, name) is not None and booking.final_price is None:
            errors.add(name, "requires final_price")
    payback = booking.final_payback_to_owner
    if payback is not None and (booking.final_price is None or payback >= booking.final_price):
        errors.add("final_payback_to_owner", "must be lower than final_price")


def _apply_final_price(booking: Booking, values: Mapping[str, Any]) -> None:
    if "final_price" in values:
        booking.final_price_is_manual = values["final_price"] is not None
    if not booking.final_price_is_manual:
        fees = (
            BookingFee.objects.filter(booking=booking).values_list(
                "price", "times_booked", "included_in_price"
            )
            if booking.pk
            else []
        )
        taxes = (
            BookingTax.objects.filter(booking=booking).values_list("amount", "included_in_price")
            if booking.pk
            else []
        )
        booking.final_price = pricing.computed_final_price(booking.final_rental_price, fees, taxes)
        if booking.final_price is not None and abs(booking.final_price) >= MAX_AMOUNT:
            raise ValidationFailed({"final_price": ["is too large"]})


# --- locking and overlap ----------------------------------------------------------------


@contextlib.contextmanager
def _overlap_backstop() -> Iterator[None]:
    """Turn the exclusion constraint (or a deadlock on it) into the ordinary overlap error."""
    try:
        yield
    except IntegrityError as exc:
        if OVERLAP_CONSTRAINT in str(exc):
            raise BookingOverlap() from exc
        raise
    except OperationalError as exc:
        # Only a deadlock PostgreSQL hit while checking the constraint is an overlap
        # ("CONTEXT: while checking exclusion constraint …"); any other is a bug to see.
        message = str(exc).lower()
        if "deadlock" in message and "exclusion constraint" in message:
            raise BookingOverlap() from exc
        raise


def _lock_rental(rental: Rental) -> Rental:
    return Rental.objects.select_for_update().get(pk=rental.pk)


def _release_expired_holds(rental: Rental, now: dt.datetime) -> None:
    """Expired holds on this rental stop standing in the way: cancel them here and now."""
    Booking.objects.filter(rental=rental).expired_holds(now).update(
        status=Booking.Status.CANCELED,
        canceled_at=F("tentative_expires_at"),
        cancelation_reason=Booking.CancelationReason.TENTATIVE_EXPIRED,
        updated_at=now,
    )


def _ensure_free(
    rental: Rental,
    start_at: dt.datetime,
    end_at: dt.datetime,
    now: dt.datetime,
    *,
    exclude_id: int | None = None,
) -> None:
    clash = (
        Booking.objects.filter(rental=rental)
        .blocking(now)
        .overlapping(start_at, end_at)
        .exclude(pk=exclude_id)
        .order_by("start_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if clash is not None:
        raise BookingOverlap(reference_for(clash))


def _check_writable(booking: Booking, *, application_id: int | None, fields: set[str]) -> None:
    """A locked booking accepts from other applications only LOCKED_WRITABLE_FIELDS."""
    if not booking.locked or application_id is None or application_id == booking.application_id:
        return
    refused = sorted(fields - LOCKED_WRITABLE_FIELDS)
    if refused:
        raise BookingLocked(
            {
                name: [
                    f"booking is locked to {booking.locked_by}; other applications may change "
                    "only " + ", ".join(sorted(LOCKED_WRITABLE_FIELDS))
                ]
                for name in refused
            }
        )


# --- nested records -------------------------------------------------------------------


def _fee_values(raw: Any, *, rental: Rental, errors: _Errors, prefix: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        errors.add(prefix, "must be an object")
        return {}
    values: dict[str, Any] = {}
    rentals_fee = None
    if raw.get("rentals_fee_id") not in (None, ""):
        fee_id = _coerce(errors, f"{prefix}.rentals_fee_id", _integer, raw["rentals_fee_id"])
        rentals_fee = RentalsFee.objects.filter(pk=fee_id, rental=rental).first()
        if rentals_fee is None:
            errors.add(f"{prefix}.rentals_fee_id", "no such fee on this rental")
    values["rentals_fee"] = rentals_fee
    name = _coerce(errors, f"{prefix}.name", _translated_name, raw.get("name"))
    values["name"] = name or (rentals_fee.name if rentals_fee else "")
    if not values["name"]:
        errors.add(f"{prefix}.name", "can't be blank")
    price = _coerce(errors, f"{prefix}.price", _decimal, raw.get("price"))
    if price is None and rentals_fee is not None:
        price = rentals_fee.price
    if price is None:
        errors.add(f"{prefix}.price", "can't be blank")
    elif price < 0:
        errors.add(f"{prefix}.price", "must be greater than or equal to 0")
    values["price"] = price
    times = _coerce(errors, f"{prefix}.times_booked", _integer, raw.get("times_booked", 1))
    if times is None:
        times = 1
    if times < 1:
        errors.add(f"{prefix}.times_booked", "must be greater than or equal to 1")
    elif times > MAX_COUNT:
        errors.add(f"{prefix}.times_booked", "is too large")
    values["times_booked"] = times
    default_required = rentals_fee.required if rentals_fee else None
    values["required"] = (
        _coerce(errors, f"{prefix}.required", _boolean, raw["required"])
        if raw.get("required") is not None
        else default_required
    )
    default_included = rentals_fee.included_in_price if rentals_fee else False
    values["included_in_price"] = _coerce(
        errors,
        f"{prefix}.included_in_price",
        _boolean,
        raw.get("included_in_price", default_included),
    )
    return values


def _tax_values(
    raw: Any,
    *,
    rental: Rental,
    fees_by_key: Mapping[tuple[str, int], BookingFee],
    errors: _Errors,
    prefix: str,
) -> dict[str, Any]:
    """`fees_by_key` resolves a BookingsFee taxable_id: ("id", fee id) for the booking's
    fees, ("rentals_fee", id) for fees created in the same request from the catalogue."""
    if not isinstance(raw, Mapping):
        errors.add(prefix, "must be an object")
        return {}
    values: dict[str, Any] = {}
    tax = None
    if raw.get("tax_id") not in (None, ""):
        tax_id = _coerce(errors, f"{prefix}.tax_id", _integer, raw["tax_id"])
        tax = Tax.objects.filter(pk=tax_id, account_id=rental.account_id).first()
        if tax is None:
            errors.add(f"{prefix}.tax_id", "no such tax")
    values["tax"] = tax
    values["name"] = _coerce(errors, f"{prefix}.name", _translated_name, raw.get("name")) or (
        tax.name if tax else ""
    )
    if not values["name"]:
        errors.add(f"{prefix}.name", "can't be blank")
    amount = _coerce(errors, f"{prefix}.amount", _decimal, raw.get("amount"))
    if amount is None:
        errors.add(f"{prefix}.amount", "can't be blank")
    values["amount"] = amount
    percentage = _coerce(errors, f"{prefix}.percentage", _decimal, raw.get("percentage"))
    if percentage is None:
        percentage = tax.percentage if tax else Decimal("0")
    if percentage < 0:
        errors.add(f"{prefix}.percentage", "must be greater than or equal to 0")
    elif percentage >= 1000:  # the column holds 6 digits, 3 of them decimals
        errors.add(f"{prefix}.percentage", "must be less than 1000")
    values["percentage"] = percentage
    included = raw.get("included", raw.get("included_in_price", raw.get("tax_included_in_price")))
    if included is None:
        included = tax.included_in_price if tax else False
    values["included_in_price"] = _coerce(errors, f"{prefix}.included", _boolean, included)
    taxable_type = raw.get("taxable_type") or BookingTax.TaxableType.RENTAL
    values["taxable_type"] = taxable_type
    values["bookings_fee"] = None
    if taxable_type not in BookingTax.TaxableType.values:
        errors.add(f"{prefix}.taxable_type", "must be Rental or BookingsFee")
    elif taxable_type == BookingTax.TaxableType.BOOKINGS_FEE:
        taxable_id = _coerce(errors, f"{prefix}.taxable_id", _integer, raw.get("taxable_id"))
        fee = fees_by_key.get(("id", taxable_id)) or fees_by_key.get(("rentals_fee", taxable_id))
        if fee is None:
            errors.add(f"{prefix}.taxable_id", "no such fee on this booking")
        values["bookings_fee"] = fee
    elif raw.get("taxable_id") not in (None, ""):
        taxable_id = _coerce(errors, f"{prefix}.taxable_id", _integer, raw.get("taxable_id"))
        if taxable_id is not None and taxable_id != rental.pk:
            errors.add(f"{prefix}.taxable_id", "must be the booking's rental")
    return values


def _list_of(data: Mapping[str, Any], name: str, errors: _Errors) -> list[Any]:
    items = data.get(name) or []
    if not isinstance(items, list):
        errors.add(name, "must be a list")
        return []
    return items


# --- public services ----------------------------------------------------------------------


def booking_create(
    *,
    rental: Rental,
    data: Mapping[str, Any],
    application_id: int | None = None,
    lock_to_application: bool = False,
    author: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """Create a booking on `rental`, with its nested `bookings_fees`, `bookings_taxes`
    and `comments`. `lock_to_application` locks it to `application_id` (the
    bookings_write_owned case)."""
    now = now or timezone.now()
    values = _booking_values(data, rental=rental, booking=None, now=now)
    errors = _Errors()
    raw_fees = _list_of(data, "bookings_fees", errors)
    raw_taxes = _list_of(data, "bookings_taxes", errors)
    raw_comments = _list_of(data, "comments", errors)
    fee_values = [
        _fee_values(raw, rental=rental, errors=errors, prefix=f"bookings_fees.{index}")
        for index, raw in enumerate(raw_fees)
    ]
    comment_texts = []
    for index, raw in enumerate(raw_comments):
        content = _coerce(
            errors,
            f"comments.{index}.content",
            _text,
            raw.get("content") if isinstance(raw, Mapping) else raw,
        )
        if not content:
            errors.add(f"comments.{index}.content", "can't be blank")
        comment_texts.append(content)
    errors.raise_if_any()

    with _overlap_backstop(), transaction.atomic():
        rental = _lock_rental(rental)
        _release_expired_holds(rental, now)
        _ensure_free(rental, values["start_at"], values["end_at"], now)
        booking = Booking(
            account_id=rental.account_id,
            rental=rental,
            application_id=application_id,
            locked=lock_to_application and application_id is not None,
            currency=rental.currency,
            created_at=now,
            updated_at=now,
        )
        for name, value in values.items():
            setattr(booking, name, value)
        _apply_final_price(booking, values)
        booking.save()
        fees_by_key: dict[tuple[str, int], BookingFee] = {}
        for fee in fee_values:
            created = BookingFee.objects.create(
                account_id=rental.account_id, booking=booking, **fee
            )
            fees_by_key[("id", created.pk)] = created
            if created.rentals_fee_id:
                fees_by_key.setdefault(("rentals_fee", created.rentals_fee_id), created)
        tax_values = [
            _tax_values(
                raw,
                rental=rental,
                fees_by_key=fees_by_key,
                errors=errors,
                prefix=f"bookings_taxes.{index}",
            )
            for index, raw in enumerate(raw_taxes)
        ]
        errors.raise_if_any()  # rolls back the booking and its fees
        for tax in tax_values:
            BookingTax.objects.create(account_id=rental.account_id, booking=booking, **tax)
        BookingComment.objects.bulk_create(
            BookingComment(
                account_id=rental.account_id, booking=booking, content=text, author=author
            )
            for text in comment_texts
        )
        if fee_values or tax_values:
            _apply_final_price(booking, values)
            booking.save(update_fields=["final_price"])
        _money_rules(booking, errors)
        errors.raise_if_any()
    return booking


def booking_update(
    *,
    booking: Booking,
    data: Mapping[str, Any],
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Change a booking. Only the fields present in `data` change (PUT and PATCH alike)."""
    now = now or timezone.now()
    given = {key for key in data if key in BOOKING_INPUT_FIELDS}
    with _overlap_backstop(), transaction.atomic():
        rental = _lock_rental(booking.rental)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_writable(booking, application_id=application_id, fields=given)
        if booking.status_at(now) == Booking.Status.CANCELED:
            raise InvalidStatusChange({"status": ["a canceled booking cannot be updated"]})
        values = _booking_values(data, rental=rental, booking=booking, now=now)
        for name, value in values.items():
            setattr(booking, name, value)
        if booking.status != Booking.Status.CANCELED:
            _release_expired_holds(rental, now)
            _ensure_free(rental, booking.start_at, booking.end_at, now, exclude_id=booking.pk)
        _apply_final_price(booking, values)
        errors = _Errors()
        _money_rules(booking, errors)
        errors.raise_if_any()
        booking.updated_at = now
        booking.save()
    return booking


def booking_cancel(
    *,
    booking: Booking,
    reason: str = "",
    message_to_guest: str = "",
    message_to_channel: str = "",
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel: the row stays as history and its period is free at once.

    Canceling a canceled booking changes nothing (a retried DELETE is harmless).
    """
    now = now or timezone.now()
    errors = _Errors()
    reason = _coerce(errors, "cancelation_reason", _text, reason) or ""
    if reason and reason not in Booking.CancelationReason.values:
        errors.add(
            "cancelation_reason", "must be one of " + ", ".join(Booking.CancelationReason.values)
        )
    message_to_guest = _coerce(errors, "cancelation_message_to_guest", _text, message_to_guest)
    message_to_channel = _coerce(
        errors, "cancelation_message_to_channel", _text, message_to_channel
    )
    errors.raise_if_any()
    with transaction.atomic():
        # Rental first, then bookings: the one lock order every write path uses.
        _lock_rental(booking.rental)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_writable(booking, application_id=application_id, fields={"status"})
        if booking.is_expired_hold(now):
            _release_expired_holds(booking.rental, now)
            booking.refresh_from_db()
        if booking.status == Booking.Status.CANCELED:
            return booking
        booking.status = Booking.Status.CANCELED
        booking.canceled_at = now
        booking.cancelation_reason = reason
        booking.cancelation_message_to_guest = message_to_guest or ""
        booking.cancelation_message_to_channel = message_to_channel or ""
        booking.updated_at = now
        booking.save()
    return booking


def booking_add_fee(
    *,
    booking: Booking,
    data: Mapping[str, Any],
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> BookingFee:
    now = now or timezone.now()
    errors = _Errors()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("rental").get(pk=booking.pk)
        _check_writable(booking, application_id=application_id, fields={"bookings_fees"})
        if booking.status_at(now) == Booking.Status.CANCELED:
            raise InvalidStatusChange({"status": ["a canceled booking cannot be updated"]})
        values = _fee_values(data, rental=booking.rental, errors=errors, prefix="bookings_fees.0")
        errors.raise_if_any()
        fee = BookingFee.objects.create(account_id=booking.account_id, booking=booking, **values)
        _reprice(booking, now=now)
    return fee


def booking_remove_fee(
    *,
    booking: Booking,
    fee_id: int,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_writable(booking, application_id=application_id, fields={"bookings_fees"})
        if booking.status_at(now) == Booking.Status.CANCELED:
            raise InvalidStatusChange({"status": ["a canceled booking cannot be updated"]})
        deleted, _ = BookingFee.objects.filter(pk=fee_id, booking=booking).delete()
        if not deleted:
            raise NotFound({"bookings_fee": ["not found"]})
        _reprice(booking, now=now)
    return booking


def booking_add_comment(
    *,
    booking: Booking,
    content: Any,
    author: str = "",
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> BookingComment:
    """Add a comment to a live booking (a canceled one stays as history)."""
    now = now or timezone.now()
    errors = _Errors()
    text = (_coerce(errors, "content", _text, content) or "").strip()
    if not text:
        errors.add("content", "can't be blank")
    errors.raise_if_any()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_writable(booking, application_id=application_id, fields={"booking_comments"})
        if booking.status_at(now) == Booking.Status.CANCELED:
            raise InvalidStatusChange({"status": ["a canceled booking cannot be updated"]})
        comment = BookingComment.objects.create(
            account_id=booking.account_id, booking=booking, content=text, author=author
        )
        Booking.objects.filter(pk=booking.pk).update(updated_at=now)
    return comment


def _reprice(booking: Booking, *, now: dt.datetime) -> None:
    """Recompute a computed final price after fees or taxes changed; bump updated_at."""
    _apply_final_price(booking, {})
    errors = _Errors()
    _money_rules(booking, errors)
    errors.raise_if_any()
    booking.updated_at = now
    booking.save(update_fields=["final_price", "updated_at"])


def tentative_bookings_expire(
    *,
    now: dt.datetime | None = None,
    batch_size: int = SWEEP_BATCH_SIZE,
    dry_run: bool = False,
) -> int:
    """Cancel every hold whose `tentative_expires_at` has passed; return how many.

    1. Pick at most `batch_size` expired holds, skipping rows another transaction holds
       (a booking write or a second sweep): they are handled there or next time.
    2. Cancel them with a conditional UPDATE that re-checks status and expiry, so a row
       confirmed meanwhile is left alone and a second sweep finds nothing to do.
    3. Commit, and repeat until a batch comes back short. Each batch is its own short
       transaction, so the sweep never holds many locks for long.
    """
    now = now or timezone.now()
    if dry_run:
        return Booking.objects.expired_holds(now).count()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Booking.objects.expired_holds(now)
                .order_by("tentative_expires_at", "id")
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            total += (
                Booking.objects.filter(pk__in=ids)
                .expired_holds(now)
                .update(
                    status=Booking.Status.CANCELED,
                    canceled_at=F("tentative_expires_at"),
                    cancelation_reason=Booking.CancelationReason.TENTATIVE_EXPIRED,
                    updated_at=now,
                )
            )
        if len(ids) < batch_size:
            break
    return total


# --- clients ------------------------------------------------------------------------------

CLIENT_INPUT_FIELDS = (
    "fullname",
    "firstname",
    "lastname",
    "emails",
    "phones",
    "notes",
    "preferred_locale",
)


def _client_assign(client: Client, data: Mapping[str, Any]) -> None:
    """Copy the known fields of `data` onto `client` and validate it; unknown keys are ignored.

    `emails` and `phones` are lists of strings (a single string is taken as a list of one).
    """
    errors = _Errors()
    for name in CLIENT_INPUT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("emails", "phones"):
            if value is None:
                value = []
            elif isinstance(value, str):
                value = [value] if value.strip() else []
            if not isinstance(value, list) or not all(
                isinstance(item, str) and "\x00" not in item for item in value
            ):
                errors.add(name, "must be a list of strings")
                continue
            value = [item.strip() for item in value if item.strip()]
        else:
            value = (_coerce(errors, name, _text, value) or "").strip()
        setattr(client, name, value)
    errors.raise_if_any()
    try:
        client.full_clean(exclude=["account"])
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.message_dict) from None


def client_create(*, account_id: int, data: Mapping[str, Any]) -> Client:
    client = Client(account_id=account_id)
    _client_assign(client, data)
    client.save()
    return client


def client_update(*, client: Client, data: Mapping[str, Any]) -> Client:
    """Change the fields present in `data` (PUT and PATCH alike)."""
    _client_assign(client, data)
    client.save()
    return client
