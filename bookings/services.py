"""Every write to a booking, its fees, taxes and comments, and the clients it names.

Callers pass typed values (bookings/inputs.py: the API parses wire values with
`booking_input_from_wire`, the admin builds the same dataclasses from its forms). Each
service is one transaction that checks the rules of DESIGN §3 that need the database or
the current row, raises one domain error naming every failing field, writes, and
records its events (DESIGN §8) in the same transaction.

The overlap guarantee, in order of defence:
1. the rental row is locked (`SELECT … FOR UPDATE`; SQLite serialises writers with
   BEGIN IMMEDIATE instead), then the booking row: every path takes them in that order,
   so two writers on one rental take turns, never deadlock, and the loser of a race sees
   the winner's booking and gets an ordinary BookingOverlap;
2. the clock is read *after* the locks (`now` unless the caller fixed one), so a write
   that waited judges expiry and stamps `updated_at` with the time it really writes;
3. expired holds in the way are canceled inside that transaction (the others are free
   already and left to the sweep), so they never stand in the way;
4. the PostgreSQL exclusion constraint `booking_no_overlap` is the backstop; if it ever
   fires (or a deadlock on it), the caller still gets BookingOverlap, never a 500.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

from bookings import pricing, recurrence
from bookings.errors import BookingLocked, BookingOverlap, InvalidStatusChange
from bookings.inputs import (
    PRICE_FIELDS,
    UNSET,
    BookingInput,
    CancelInput,
    ClientInput,
    Errors,
    FeeInput,
    SeriesInput,
    TaxInput,
    bounds_errors,
    cancel_bounds_errors,
    client_bounds_errors,
    comment_bounds_errors,
    decimal_limit,
    fee_bounds_errors,
)
from bookings.models import (
    Booking,
    BookingComment,
    BookingFee,
    BookingSeries,
    BookingTax,
    Client,
    reference_for,
)
from calendars.occupancy import MAX_BUFFER, booking_occupied_period, occupied_period
from core.clock import write_clock
from core.db import constraint_backstop
from core.errors import DomainError, NotFound, ValidationFailed
from core.metadata import metadata_merge
from core.rowdelete import account_row_delete
from core.timefmt import utc_text
from events.actors import Actor
from events.services import (
    EventSpec,
    changes_between,
    event_record,
    events_record,
    events_record_by_account,
)
from rentals.models import Rental, RentalsFee, Tax
from slots import selectors as slot_selectors
from slots import services as slot_services
from slots.errors import SlotOverlap
from slots.models import Slot

OVERLAP_CONSTRAINT = "booking_no_overlap"
SWEEP_BATCH_SIZE = 1000
EXPIRY_ACTOR = Actor.system("tentative_expiry")
BACK_OFFICE_ACTOR = Actor.system("back_office")

# Fields another application may still change on a booking locked to its creator.
LOCKED_WRITABLE_FIELDS = frozenset(
    {"expected_checkin_time", "expected_checkout_time", "rental_payback_to_owner"}
)
CANCELED_IS_HISTORY = "a canceled booking cannot be updated"
# What an event's `changes` records of a booking (not the bookkeeping columns).
_NOT_TRACKED = frozenset(
    {"id", "account", "rental", "created_at", "updated_at", "created_by", "updated_by"}
)


def _actor(actor: Actor | None, application_id: int | None) -> Actor:
    """The author of an event: the caller's, else the application's, else the back office."""
    if actor is not None:
        return actor
    return Actor.application(application_id) if application_id else BACK_OFFICE_ACTOR


def _snapshot(booking: Booking) -> dict[str, Any]:
    return {
        f.attname: getattr(booking, f.attname)
        for f in Booking._meta.concrete_fields
        if f.name not in _NOT_TRACKED
    }


# --- rules that need the current row ---------------------------------------------------


def _apply(
    booking: Booking,
    booking_input: BookingInput,
    *,
    rental: Rental,
    now: dt.datetime,
    errors: Errors,
) -> dict[str, Any]:
    """Set the given fields on `booking` (bare dates resolved with the locked rental's
    times and zone) and check the rules between fields; return the values set."""
    values = booking_input.values()
    for name, wall_time in (
        ("start_at", rental.checkin_time),
        ("end_at", rental.checkout_time),
        ("tentative_expires_at", dt.time()),
        ("booked_at", dt.time()),
    ):
        value = values.get(name)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            values[name] = dt.datetime.combine(value, wall_time, tzinfo=rental.tzinfo).astimezone(
                dt.UTC
            )
    _check_clients(values, account_id=rental.account_id, errors=errors)
    status = values.get("status", UNSET)
    if status is not UNSET:
        expires_at = values.get("tentative_expires_at")
        if status == Booking.Status.TENTATIVE:
            if expires_at is None:
                errors.add("tentative_expires_at", "can't be blank")
            elif expires_at <= now:
                errors.add("tentative_expires_at", "must be in the future")
        else:
            values["tentative_expires_at"] = None
        if status == Booking.Status.BOOKED and not values.get("booked_at"):
            values["booked_at"] = booking.booked_at or now
    if values.get("damage_deposit", 0) is None:
        values["damage_deposit"] = Decimal("0.00")
    if "metadata" in values:
        # Given keys replace, null or "" removes, absent keys stay (DESIGN §10).
        values["metadata"] = metadata_merge(booking.metadata, values["metadata"])
    for name, value in values.items():
        setattr(booking, name, value)
    _cross_field_rules(booking, errors)
    return values


def _check_clients(values: dict[str, Any], *, account_id: int, errors: Errors) -> None:
    """`client_id`, `visitors` and `members` name clients of the account (one query);
    the lists are stored as JSON lists of ids."""
    lists: dict[str, list[int]] = {
        name: list(values[name]) for name in ("visitors", "members") if name in values
    }
    values.update(lists)
    wanted = {values.get("client_id"), *lists.get("visitors", ()), *lists.get("members", ())}
    wanted.discard(None)
    if not wanted:
        return
    known = set(
        Client.objects.filter(pk__in=wanted, account_id=account_id).values_list("pk", flat=True)
    )
    if values.get("client_id") is not None and values["client_id"] not in known:
        errors.add("client_id", "no such client")
    for name, ids in lists.items():
        missing = [str(client_id) for client_id in ids if client_id not in known]
        if missing:
            errors.add(name, "no such client: " + ", ".join(missing))


def _free_rules(
    booking: Booking, values: Mapping[str, Any], *, fee_count: int, errors: Errors
) -> None:
    """DESIGN §9: a free booking carries no fees and its prices are 0. A fee, or a
    non-zero price sent with it, is an error naming the field; prices not sent become 0
    (the final price too, fixed: taxes do not make a free booking cost something)."""
    if not booking.free:
        return
    if fee_count:
        errors.add("bookings_fees", "a free booking carries no fees")
    for name in PRICE_FIELDS:
        if values.get(name) not in (None, 0):
            errors.add(name, "must be 0 for a free booking")
        setattr(booking, name, Decimal("0.00"))
    booking.final_price_is_manual = True


def _cross_field_rules(booking: Booking, errors: Errors) -> None:
    if booking.start_at and booking.end_at and booking.start_at >= booking.end_at:
        errors.add("end_at", "must be after start_at")
    # (Each field's own bounds, such as >= 0, are bookings.inputs.bounds_errors.)
    rental_payback, initial_price = booking.rental_payback_to_owner, booking.initial_price
    if (
        rental_payback is not None
        and rental_payback >= 0
        and (initial_price is None or rental_payback >= initial_price)
    ):
        errors.add("rental_payback_to_owner", "must be lower than initial_price")
    if (
        booking.damage_deposit_external_collection_method_name
        and booking.damage_deposit_collection_method != "external"
    ):
        errors.add(
            "damage_deposit_external_collection_method_name",
            "must be blank unless damage_deposit_collection_method is external",
        )


def _money_rules(booking: Booking, errors: Errors) -> None:
    """Rules that need the final price, checked once it is known (given or computed)."""
    for name in ("commission", "downpayment"):
        if getattr(booking, name) is not None and booking.final_price is None:
            errors.add(name, "requires final_price")
    payback = booking.final_payback_to_owner
    if payback is not None and (booking.final_price is None or payback >= booking.final_price):
        errors.add("final_payback_to_owner", "must be lower than final_price")


def _apply_final_price(
    booking: Booking,
    values: Mapping[str, Any],
    *,
    fees: Sequence[tuple[Decimal, int, bool]] | None = None,
    taxes: Sequence[tuple[Decimal, bool]] | None = None,
) -> None:
    """The final price, computed unless given: `fees` (price, times, included) and
    `taxes` (amount, included) default to the saved booking's."""
    if "final_price" in values:
        booking.final_price_is_manual = values["final_price"] is not None
    if booking.free:
        booking.final_price, booking.final_price_is_manual = Decimal("0.00"), True
    if not booking.final_price_is_manual:
        if fees is None:
            fees = (
                list(
                    BookingFee.objects.filter(booking=booking).values_list(
                        "price", "times_booked", "included_in_price"
                    )
                )
                if booking.pk
                else []
            )
        if taxes is None:
            taxes = (
                list(
                    BookingTax.objects.filter(booking=booking).values_list(
                        "amount", "included_in_price"
                    )
                )
                if booking.pk
                else []
            )
        booking.final_price = pricing.computed_final_price(booking.final_rental_price, fees, taxes)
        limit, _ = decimal_limit(Booking, "final_price")
        if booking.final_price is not None and abs(booking.final_price) >= limit:
            raise ValidationFailed({"final_price": ["is too large"]})


def _check_live(booking: Booking, now: dt.datetime) -> None:
    if booking.status_at(now) == Booking.Status.CANCELED:
        raise InvalidStatusChange({"status": [CANCELED_IS_HISTORY]})


# --- locking and overlap ----------------------------------------------------------------


def _overlap_backstop() -> contextlib.AbstractContextManager[None]:
    """Turn the exclusion constraint (or a deadlock on it) into the ordinary overlap error."""
    return constraint_backstop(OVERLAP_CONSTRAINT, error=BookingOverlap)


def _lock_rental(rental_id: int, account_id: int) -> Rental:
    """The rental row, locked, by account and id (a database sharded by account routes
    it to one shard): a rental of another account, or none, is a 404 on `rental_id`, so
    a caller may pass `Rental(pk=…, account_id=…)` and leave the tenant check to this."""
    try:
        return Rental.objects.select_for_update().get(account_id=account_id, pk=rental_id)
    except Rental.DoesNotExist:
        raise NotFound({"rental_id": ["not found"]}) from None


def _lock(booking: Booking) -> tuple[Rental, Booking]:
    """Rental first, then the booking: the one lock order of every write path."""
    rental = _lock_rental(booking.rental_id, booking.account_id)
    locked = (
        Booking.objects.for_account(booking.account_id)
        .select_for_update(of=("self",))
        .get(pk=booking.pk)
    )
    locked.rental = rental
    return rental, locked


def _release_holds(rental: Rental, booking_ids: Sequence[int], now: dt.datetime) -> None:
    """Cancel these expired holds of the rental here and now, as the sweep would, with
    one event each (one UPDATE … RETURNING, one INSERT). A write releases only the
    expired holds in its way (DESIGN §3): the others are free already and wait for the
    sweep, so a write that meets none sends no statement for them."""
    if not booking_ids:
        return
    placeholders = ", ".join(["%s"] * len(booking_ids))
    ids = _cancel_expired(
        f"account_id = %s AND id IN ({placeholders}) AND status = 'tentative' "
        "AND tentative_expires_at <= %s",
        [rental.account_id, *booking_ids, now],
        now=now,
    )
    if ids:
        _record_expired({rental.account_id: [(b, rental.pk) for b in ids]}, now)


def _cancel_expired(where: str, params: list[Any], *, now: dt.datetime) -> list[int]:
    actor = json.dumps(EXPIRY_ACTOR.as_json())
    as_json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    # `where` is one of this module's literal conditions; values are parameters.
    sql = (
        f"UPDATE {Booking._meta.db_table} SET status = 'canceled', "  # noqa: S608
        "canceled_at = tentative_expires_at, cancelation_reason = 'tentative_expired', "
        f"updated_at = %s, updated_by = {as_json} WHERE {where} RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, actor, *params])
        return [row[0] for row in cursor.fetchall()]


def _record_expired(
    released_by_account: Mapping[int, list[tuple[int, int]]], now: dt.datetime
) -> None:
    """One `booking_destroyed` per released hold (booking id, rental id, by account) and
    one `availability_updated` per rental whose nights it freed, in one INSERT for all."""
    destroyed = {
        "status": ["tentative", "canceled"],
        "cancelation_reason": ["", "tentative_expired"],
    }
    specs_by_account = {
        account_id: [
            *(
                EventSpec("booking_destroyed", "booking", booking_id, destroyed)
                for booking_id, _ in released
            ),
            *(_availability(rental_id) for rental_id in sorted({r for _, r in released})),
        ]
        for account_id, released in released_by_account.items()
    }
    events_record_by_account(actor=EXPIRY_ACTOR, occurred_at=now, specs_by_account=specs_by_account)


# A booking change that can move a rental's free nights (DESIGN §8 availability_updated).
AVAILABILITY_FIELDS = frozenset(
    {"start_at", "end_at", "status", "tentative_expires_at", "buffer_before", "buffer_after"}
)


def _availability(rental_id: int) -> EventSpec:
    return EventSpec("availability_updated", "rental", rental_id)


def _record_booking_event(
    booking: Booking,
    event: str,
    *,
    actor: Actor,
    now: dt.datetime,
    changes: dict[str, Any] | None = None,
    availability: bool = False,
) -> None:
    """The booking's event, and the rental's availability_updated when its nights may have
    changed: one INSERT either way."""
    specs = [EventSpec(event, "booking", booking.pk, changes)]
    if availability:
        specs.append(_availability(booking.rental_id))
    events_record(account_id=booking.account_id, actor=actor, occurred_at=now, specs=specs)


@dataclass(frozen=True)
class Conflict:
    """What stands in the way of one period: a booking (its reference) or a slot."""

    with_: str
    error: DomainError


def _conflicts(
    rental: Rental,
    periods: Sequence[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime,
    *,
    exclude_ids: Sequence[int] = (),
    slot_id: int | None = None,
) -> dict[int, Conflict]:
    """For each occupied period (by index) that meets a blocking booking's occupied
    period (DESIGN §9: both bookings' buffers count) or, for a direct booking, an active
    slot's window (DESIGN §10): the first thing in its way. Bookings of one slot are
    exempt among themselves. Expired holds never block (DESIGN §3): the ones in the way
    of a free period are released here (canceled with their events), so the exclusion
    constraint, which cannot know the time, never sees them.

    One query for the whole span, however many periods (a series' occurrences): rows are
    narrowed in SQL by the widest possible buffer, then compared here, each period
    looking only at the rows that can reach it (sorted starts, bisected)."""
    if not periods:
        return {}
    low = min(start for start, _ in periods)
    high = max(end for _, end in periods)
    candidates = (
        Booking.objects.for_account(rental.account_id)
        .filter(rental=rental)
        .exclude(status=Booking.Status.CANCELED)
        .overlapping(low - MAX_BUFFER, high + MAX_BUFFER)
    )
    if exclude_ids:
        candidates = candidates.exclude(pk__in=list(exclude_ids))
    if slot_id is not None:
        candidates = candidates.exclude(slot_id=slot_id)
    rows = sorted(
        (
            (
                *occupied_period(start_at=start, end_at=end, buffer_before=b, buffer_after=a),
                pk,
                start,
                end,
                status == Booking.Status.TENTATIVE and expires is not None and expires <= now,
            )
            for pk, start, end, b, a, status, expires in candidates.values_list(
                "pk",
                "start_at",
                "end_at",
                "buffer_before",
                "buffer_after",
                "status",
                "tentative_expires_at",
            )
        ),
        key=lambda row: (row[0], row[2]),
    )
    starts = [row[0] for row in rows]
    longest = max((row[1] - row[0] for row in rows), default=dt.timedelta(0))
    found: dict[int, Conflict] = {}
    expired_in_the_way: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(periods):
        # A row starting before `start - longest` ends before `start`.
        first, last = bisect.bisect_left(starts, start - longest), bisect.bisect_left(starts, end)
        for occupied_start, occupied_end, pk, stay_start, stay_end, expired in rows[first:last]:
            if expired and occupied_start < end and occupied_end > start:
                expired_in_the_way.setdefault(index, []).append(pk)
            elif occupied_start < end and occupied_end > start:
                buffer_only = not (stay_start < end and stay_end > start)
                reference = reference_for(pk)
                found[index] = Conflict(
                    reference, BookingOverlap(reference, buffer_only=buffer_only)
                )
                break
    if slot_id is None:
        slots = slot_selectors.active_slots_overlapping(
            rental=rental, start_at=low, end_at=high
        ).values_list("public_id", "start_at", "end_at")
        # Active slots of a rental never overlap one another: sorted by start, their
        # ends are sorted too, so the first slot ending after `start` is the only
        # candidate to look at first.
        windows = list(slots)
        ends = [slot_end for _, _, slot_end in windows]
        for index, (start, end) in enumerate(periods):
            position = bisect.bisect_right(ends, start)
            if index not in found and position < len(windows) and windows[position][1] < end:
                public_id = str(windows[position][0])
                found[index] = Conflict(public_id, SlotOverlap(public_id))
    # Only the periods that will be written take theirs (a skipped occurrence takes none).
    released = {pk for index, pks in expired_in_the_way.items() if index not in found for pk in pks}
    _release_holds(rental, sorted(released), now)
    return found


def _stamp(
    booking: Booking, before: Mapping[str, Any], *, actor: Actor, now: dt.datetime
) -> dict[str, list[Any]]:
    """The common tail of a change to one booking, before its event: `updated_at` /
    `updated_by`, the row saved, and what changed since `before` (a `_snapshot`)."""
    booking.updated_at = now
    booking.updated_by = actor.as_json()
    booking.save()
    return changes_between(before, _snapshot(booking))


def _finish(
    booking: Booking,
    before: Mapping[str, Any],
    event: str,
    *,
    actor: Actor,
    now: dt.datetime,
    availability: bool | None = None,
) -> None:
    """Stamp and save a changed booking and record its event (and the rental's
    availability_updated when its nights may have moved: by default, when a field of
    AVAILABILITY_FIELDS changed)."""
    changes = _stamp(booking, before, actor=actor, now=now)
    if availability is None:
        availability = bool(AVAILABILITY_FIELDS & changes.keys())
    _record_booking_event(
        booking, event, actor=actor, now=now, changes=changes, availability=availability
    )


def _ensure_free(
    rental: Rental, booking: Booking, now: dt.datetime, *, exclude_id: int | None = None
) -> None:
    """No blocking booking or active slot is in the way of `booking` (see _conflicts)."""
    found = _conflicts(
        rental,
        [booking_occupied_period(booking)],
        now,
        exclude_ids=[exclude_id] if exclude_id else (),
        slot_id=booking.slot_id,
    )
    if found:
        raise found[0].error


def _claim_slot(
    rental: Rental,
    booking: Booking,
    *,
    slot_id: int,
    lock_key: str | None,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Take a place in the slot (its row locked; disabled, draft, cut-off, lock and
    capacity checked by the slots app); the booking gets the slot's times and no buffer."""
    try:
        slot = slot_services.slot_claim_for_booking(
            account_id=rental.account_id,
            slot_id=slot_id,
            lock_key=lock_key,
            actor=actor,
            now=now,
        )
    except Slot.DoesNotExist:
        raise NotFound({"slot_id": ["no such slot"]}) from None
    if slot.rental_id != rental.pk:
        raise ValidationFailed({"slot_id": ["is not a slot of this rental"]})
    booking.slot = slot
    booking.start_at, booking.end_at = slot.start_at, slot.end_at
    booking.buffer_before = booking.buffer_after = 0


def _check_writable(
    booking: Booking, *, application_id: int | None, fields: frozenset[str] | set[str]
) -> None:
    """A locked booking accepts from other applications only LOCKED_WRITABLE_FIELDS."""
    if not booking.locked or application_id is None or application_id == booking.application_id:
        return
    refused = sorted(set(fields) - LOCKED_WRITABLE_FIELDS)
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


def _fee_values(fee: FeeInput, *, rental: Rental, errors: Errors, prefix: str) -> dict[str, Any]:
    """A fee's columns, its blanks filled from the rental's catalogue fee."""
    rentals_fee = None
    if fee.rentals_fee_id is not None:
        rentals_fee = RentalsFee.objects.filter(pk=fee.rentals_fee_id, rental=rental).first()
        if rentals_fee is None:
            errors.add(f"{prefix}.rentals_fee_id", "no such fee on this rental")
    errors.merge(fee_bounds_errors(fee, prefix=prefix))
    name = fee.name or (rentals_fee.name if rentals_fee else "")
    if not name:
        errors.add(f"{prefix}.name", "can't be blank")
    price = fee.price if fee.price is not None else (rentals_fee.price if rentals_fee else None)
    if price is None:
        errors.add(f"{prefix}.price", "can't be blank")
    included = fee.included_in_price
    if included is None:
        included = rentals_fee.included_in_price if rentals_fee else False
    return {
        "rentals_fee": rentals_fee,
        "name": name,
        "price": price,
        "times_booked": fee.times_booked,
        "required": fee.required
        if fee.required is not None
        else (rentals_fee.required if rentals_fee else None),
        "included_in_price": included,
    }


def _tax_values(
    tax_input: TaxInput,
    *,
    rental: Rental,
    fees_by_key: Mapping[tuple[str, int], BookingFee],
    errors: Errors,
    prefix: str,
) -> dict[str, Any]:
    """`fees_by_key` resolves a BookingsFee taxable_id: ("id", fee id) for the booking's
    fees, ("rentals_fee", id) for fees created in the same request from the catalogue."""
    tax = None
    if tax_input.tax_id is not None:
        tax = Tax.objects.filter(pk=tax_input.tax_id, account_id=rental.account_id).first()
        if tax is None:
            errors.add(f"{prefix}.tax_id", "no such tax")
    name = tax_input.name or (tax.name if tax else "")
    if not name:
        errors.add(f"{prefix}.name", "can't be blank")
    if tax_input.amount is None:
        errors.add(f"{prefix}.amount", "can't be blank")
    percentage = tax_input.percentage
    if percentage is None:
        percentage = tax.percentage if tax else Decimal("0")
    included = tax_input.included_in_price
    if included is None:
        included = tax.included_in_price if tax else False
    bookings_fee = None
    if tax_input.taxable_type == BookingTax.TaxableType.BOOKINGS_FEE:
        taxable_id = tax_input.taxable_id or 0
        bookings_fee = fees_by_key.get(("id", taxable_id)) or fees_by_key.get(
            ("rentals_fee", taxable_id)
        )  # type: ignore[arg-type]
        if bookings_fee is None:
            errors.add(f"{prefix}.taxable_id", "no such fee on this booking")
    elif tax_input.taxable_id is not None and tax_input.taxable_id != rental.pk:
        errors.add(f"{prefix}.taxable_id", "must be the booking's rental")
    return {
        "tax": tax,
        "name": name,
        "amount": tax_input.amount,
        "percentage": percentage,
        "included_in_price": included,
        "taxable_type": tax_input.taxable_type,
        "bookings_fee": bookings_fee,
    }


# --- public services ----------------------------------------------------------------------


def _check_create_input(booking_input: BookingInput, *, slot_id: int | None = None) -> None:
    """What a create needs before any lock: bounds, a status and both times."""
    errors = Errors()
    errors.merge(bounds_errors(booking_input))
    if booking_input.status is UNSET:
        errors.add(
            "status", "give exactly one of booked: true, unavailable: true or tentative_expires_at"
        )
    for name in ("start_at", "end_at"):
        if getattr(booking_input, name) is UNSET and slot_id is None:
            errors.add(name, "can't be blank")
    errors.raise_if_any()


def _new_booking(
    rental: Rental,
    booking_input: BookingInput,
    *,
    now: dt.datetime,
    actor: Actor,
    application_id: int | None,
    lock_to_application: bool,
    errors: Errors,
) -> tuple[Booking, dict[str, Any]]:
    """An unsaved booking on the locked `rental` with the given fields and the rules
    between them checked (errors collected, not raised): what one booking and every
    occurrence of a series start from. Returns it and the values set."""
    booking = Booking(
        account_id=rental.account_id,
        rental=rental,
        application_id=application_id,
        locked=lock_to_application and application_id is not None,
        currency=rental.currency,
        created_at=now,
        updated_at=now,
        created_by=actor.as_json(),
        updated_by=actor.as_json(),
    )
    values = _apply(booking, booking_input, rental=rental, now=now, errors=errors)
    # The rental's preparation time goes with each new stay or hold; an Unavailable
    # period (the owner's own block) has none unless given (DESIGN §9).
    if booking.status in (Booking.Status.BOOKED, Booking.Status.TENTATIVE):
        for name in ("buffer_before", "buffer_after"):
            if name not in values:
                setattr(booking, name, getattr(rental, name))
    _free_rules(booking, values, fee_count=len(booking_input.fees), errors=errors)
    return booking, values


def _fees_values(
    booking_input: BookingInput, rental: Rental, errors: Errors
) -> list[dict[str, Any]]:
    return [
        _fee_values(fee, rental=rental, errors=errors, prefix=f"bookings_fees.{index}")
        for index, fee in enumerate(booking_input.fees)
    ]


def _taxes_values(
    booking_input: BookingInput,
    rental: Rental,
    fees_by_key: Mapping[tuple[str, int], BookingFee],
    errors: Errors,
) -> list[dict[str, Any]]:
    return [
        _tax_values(
            tax,
            rental=rental,
            fees_by_key=fees_by_key,
            errors=errors,
            prefix=f"bookings_taxes.{index}",
        )
        for index, tax in enumerate(booking_input.taxes)
    ]


def _fees_by_key(fees: Sequence[BookingFee]) -> dict[tuple[str, int], BookingFee]:
    """How a tax of the same request names a fee: its id, or its catalogue fee's id."""
    by_key: dict[tuple[str, int], BookingFee] = {}
    for fee in fees:
        if fee.pk:
            by_key[("id", fee.pk)] = fee
        if fee.rentals_fee_id:
            by_key.setdefault(("rentals_fee", fee.rentals_fee_id), fee)
    return by_key


def booking_create(
    *,
    rental: Rental,
    booking_input: BookingInput,
    actor: Actor | None = None,
    application_id: int | None = None,
    lock_to_application: bool = False,
    author: str = "",
    slot_id: int | None = None,
    lock_key: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Create a booking on `rental`, with its fees, taxes and comments.

    `slot_id` books a slot of `rental` (DESIGN §10): the booking takes the slot's times,
    `lock_key` opens a locked slot (and releases the lock).

    `booking_input` must give a status and both times. `lock_to_application` locks it to
    `application_id` (the bookings_write_owned case). `now` fixes the clock (tests,
    replays); by default it is read once the rental is locked.
    """
    actor = _actor(actor, application_id)
    _check_create_input(booking_input, slot_id=slot_id)
    errors = Errors()
    with _overlap_backstop(), transaction.atomic():
        rental = _lock_rental(rental.pk, rental.account_id)
        now = write_clock(now)
        booking, values = _new_booking(
            rental,
            booking_input,
            now=now,
            actor=actor,
            application_id=application_id,
            lock_to_application=lock_to_application,
            errors=errors,
        )
        if slot_id is not None:
            errors.raise_if_any()
            _claim_slot(rental, booking, slot_id=slot_id, lock_key=lock_key, actor=actor, now=now)
        fee_values = _fees_values(booking_input, rental, errors)
        errors.raise_if_any()
        _ensure_free(rental, booking, now)
        _apply_final_price(booking, values)
        booking.save()
        fees = [
            BookingFee.objects.create(account_id=rental.account_id, booking=booking, **fee)
            for fee in fee_values
        ]
        tax_values = _taxes_values(booking_input, rental, _fees_by_key(fees), errors)
        errors.raise_if_any()  # rolls back the booking and its fees
        for tax in tax_values:
            BookingTax.objects.create(account_id=rental.account_id, booking=booking, **tax)
        BookingComment.objects.bulk_create(
            BookingComment(
                account_id=rental.account_id, booking=booking, content=text.strip(), author=author
            )
            for text in booking_input.comments
        )
        if fee_values or tax_values:
            _apply_final_price(booking, values)
            booking.save(update_fields=["final_price"])
        _money_rules(booking, errors)
        errors.raise_if_any()
        _record_booking_event(booking, "booking_created", actor=actor, now=now, availability=True)
    return booking


@dataclass(frozen=True)
class SeriesCreated:
    """A created series, its occurrences (by start) and those skipped by on_conflict
    "skip" (`{"start_at": <UTC text>, "conflicts_with": <reference or slot id>}`)."""

    series: BookingSeries
    bookings: list[Booking]
    skipped: list[dict[str, str]]


def _local_text(instant: dt.datetime, rental: Rental) -> str:
    return instant.astimezone(rental.tzinfo).strftime("%Y-%m-%d %H:%M")


def booking_series_create(
    *,
    rental: Rental,
    booking_input: BookingInput,
    series_input: SeriesInput,
    actor: Actor | None = None,
    application_id: int | None = None,
    lock_to_application: bool = False,
    author: str = "",
    now: dt.datetime | None = None,
) -> SeriesCreated:
    """Create a recurring series (DESIGN §9): the first booking as `booking_input` gives
    it, then every occurrence of `series_input.rrule` at the same local wall-clock time
    (bookings/recurrence.py), each with the body's fees, taxes and comments.

    1. Lock the rental, build the first booking with the rules of `booking_create`
       (`_new_booking`: the same function), expand the rule.
    2. Release expired holds, then find what is in each occurrence's way with ONE query
       over the whole span (`_conflicts`).
    3. on_conflict "fail": any conflict is a 422 with one message per occurrence
       (`"2027-01-09 16:00: overlaps booking 00000B"`, local time); "skip": leave those
       out (none left: 422 all the same).
    4. Write the series row, the occurrences, their fees, taxes and comments, and one
       event per occurrence, each in one bulk INSERT, all in this one transaction. The
       exclusion constraint stays the backstop.
    """
    actor = _actor(actor, application_id)
    _check_create_input(booking_input)
    errors = Errors()
    with _overlap_backstop(), transaction.atomic():
        rental = _lock_rental(rental.pk, rental.account_id)
        now = write_clock(now)
        template, values = _new_booking(
            rental,
            booking_input,
            now=now,
            actor=actor,
            application_id=application_id,
            lock_to_application=lock_to_application,
            errors=errors,
        )
        fee_values = _fees_values(booking_input, rental, errors)
        template_fees = [BookingFee(account_id=rental.account_id, **fee) for fee in fee_values]
        tax_values = _taxes_values(booking_input, rental, _fees_by_key(template_fees), errors)
        errors.raise_if_any()
        occurrences = recurrence.expand(
            series_input.rrule, start_at=template.start_at, end_at=template.end_at, tz=rental.tzinfo
        )
        periods = [
            occupied_period(
                start_at=o.start_at,
                end_at=o.end_at,
                buffer_before=template.buffer_before,
                buffer_after=template.buffer_after,
            )
            for o in occurrences
        ]
        if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(periods)):
            raise recurrence.InvalidRecurrence(
                "occurrences would overlap each other's preparation time: lower the buffers "
                "or space the occurrences further apart"
            )
        _apply_final_price(
            template,
            values,
            fees=[(f.price, f.times_booked, f.included_in_price) for f in template_fees],
            taxes=[(t["amount"], t["included_in_price"]) for t in tax_values],
        )
        _money_rules(template, errors)
        errors.raise_if_any()

        conflicts = _conflicts(rental, periods, now)
        messages = [
            f"{_local_text(occurrences[index].start_at, rental)}: {text}"
            for index, conflict in sorted(conflicts.items())
            for texts in conflict.error.errors.values()
            for text in texts
        ]
        if conflicts and (
            series_input.on_conflict == BookingSeries.OnConflict.FAIL
            or len(conflicts) == len(occurrences)
        ):
            raise ValidationFailed({"recurrence": messages})

        series = BookingSeries.objects.create(
            account_id=rental.account_id,
            rental=rental,
            rrule=series_input.rrule,
            on_conflict=series_input.on_conflict,
            created_at=now,
            created_by=actor.as_json(),
        )
        columns = {
            f.attname: getattr(template, f.attname)
            for f in Booking._meta.concrete_fields
            if f.attname
            not in ("id", "public_id", "start_at", "end_at", "series_id", "tentative_expires_at")
        }
        bookings = Booking.objects.bulk_create(
            Booking(
                **columns,
                series=series,
                start_at=o.start_at,
                end_at=o.end_at,
                **_hold_of(template, o.start_at, series_input),
            )
            for index, o in enumerate(occurrences)
            if index not in conflicts
        )
        _series_records(
            rental,
            bookings,
            template_fees=template_fees,
            tax_values=tax_values,
            author=author,
            comments=booking_input.comments,
        )
        specs = [EventSpec("booking_series_created", "booking_series", series.pk)]
        specs += [
            EventSpec("booking_created", "booking", b.pk, {"series": [None, series.pk]})
            for b in bookings
        ]
        specs.append(_availability(rental.pk))
        events_record(account_id=rental.account_id, actor=actor, occurred_at=now, specs=specs)
    skipped = [
        {"start_at": utc_text(occurrences[index].start_at), "conflicts_with": conflict.with_}
        for index, conflict in sorted(conflicts.items())
    ]
    return SeriesCreated(series=series, bookings=bookings, skipped=skipped)


def _hold_of(
    template: Booking, start_at: dt.datetime, series_input: SeriesInput
) -> dict[str, dt.datetime | None]:
    expires_at = template.tentative_expires_at
    if expires_at is not None and series_input.holds_follow_occurrences:
        expires_at += start_at - template.start_at
    return {"tentative_expires_at": expires_at}


def _series_records(
    rental: Rental,
    bookings: Sequence[Booking],
    *,
    template_fees: Sequence[BookingFee],
    tax_values: Sequence[dict[str, Any]],
    comments: Sequence[str],
    author: str,
) -> None:
    """Each occurrence's own copy of the body's fees, taxes and comments: one bulk INSERT
    per table (a tax of a fee points at that occurrence's copy of the fee)."""
    account_id = rental.account_id
    fee_columns = [
        {
            f.attname: getattr(fee, f.attname)
            for f in BookingFee._meta.concrete_fields
            if f.attname not in ("id", "booking_id")
        }
        for fee in template_fees
    ]
    fees = BookingFee.objects.bulk_create(
        BookingFee(**columns, booking=booking) for booking in bookings for columns in fee_columns
    )
    per_booking = len(fee_columns)
    position = {id(fee): index for index, fee in enumerate(template_fees)}
    taxes = []
    for number, booking in enumerate(bookings):
        own_fees = fees[number * per_booking : (number + 1) * per_booking]
        for tax in tax_values:
            values = dict(tax)
            if values["bookings_fee"] is not None:
                values["bookings_fee"] = own_fees[position[id(values["bookings_fee"])]]
            taxes.append(BookingTax(account_id=account_id, booking=booking, **values))
    BookingTax.objects.bulk_create(taxes)
    BookingComment.objects.bulk_create(
        BookingComment(account_id=account_id, booking=booking, content=text.strip(), author=author)
        for booking in bookings
        for text in comments
    )


def booking_update(
    *,
    booking: Booking,
    booking_input: BookingInput,
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Change the given fields of a booking (PUT and PATCH alike)."""
    actor = _actor(actor, application_id)
    errors = Errors()
    errors.merge(bounds_errors(booking_input))
    errors.raise_if_any()
    with _overlap_backstop(), transaction.atomic():
        rental, booking = _lock(booking)
        now = write_clock(now)
        _check_writable(booking, application_id=application_id, fields=booking_input.names())
        _check_live(booking, now)
        before = _snapshot(booking)
        values = _apply(booking, booking_input, rental=rental, now=now, errors=errors)
        if booking.free:
            fee_count = BookingFee.objects.filter(booking=booking).count()
            _free_rules(booking, values, fee_count=fee_count, errors=errors)
        errors.raise_if_any()
        if booking.status != Booking.Status.CANCELED:
            _ensure_free(rental, booking, now, exclude_id=booking.pk)
        _apply_final_price(booking, values)
        _money_rules(booking, errors)
        errors.raise_if_any()
        _finish(booking, before, "booking_updated", actor=actor, now=now)
    return booking


def booking_cancel(
    *,
    booking: Booking,
    reason: str = "",
    message_to_guest: str = "",
    message_to_channel: str = "",
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel: the row stays as history and its period is free at once.

    Canceling a canceled booking changes nothing (a retried DELETE is harmless).
    """
    actor = _actor(actor, application_id)
    cancel = CancelInput(
        reason=reason, message_to_guest=message_to_guest, message_to_channel=message_to_channel
    )
    problems = cancel_bounds_errors(cancel)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        rental, booking = _lock(booking)
        now = write_clock(now)
        _check_writable(booking, application_id=application_id, fields={"status"})
        if booking.is_expired_hold(now):
            _release_holds(rental, [booking.pk], now)
            booking.refresh_from_db()
        if booking.status == Booking.Status.CANCELED:
            return booking
        before = _snapshot(booking)
        booking.status = Booking.Status.CANCELED
        booking.canceled_at = now
        booking.cancelation_reason = cancel.reason
        booking.cancelation_message_to_guest = cancel.message_to_guest
        booking.cancelation_message_to_channel = cancel.message_to_channel
        _finish(booking, before, "booking_destroyed", actor=actor, now=now, availability=True)
    return booking


def booking_enable(
    *,
    booking: Booking,
    actor: Actor,
    lock_key: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Revert a cancelation (Overbooked's enable): the booking is Booked again if its
    period is still free and, for a booking of a slot, the slot still takes one more
    (the same checks as booking it: E049 full, E050 locked, E051 disabled…). Enabling
    an active booking changes nothing."""
    with _overlap_backstop(), transaction.atomic():
        rental, booking = _lock(booking)
        now = write_clock(now)
        if booking.status_at(now) != Booking.Status.CANCELED:
            return booking
        if booking.is_expired_hold(now):
            _release_holds(rental, [booking.pk], now)
            booking.refresh_from_db()
        before = _snapshot(booking)
        if booking.slot_id is not None:
            _claim_slot(
                rental, booking, slot_id=booking.slot_id, lock_key=lock_key, actor=actor, now=now
            )
        booking.status = Booking.Status.BOOKED
        booking.booked_at = booking.booked_at or now
        booking.tentative_expires_at = None
        booking.canceled_at = None
        booking.cancelation_reason = ""
        _ensure_free(rental, booking, now, exclude_id=booking.pk)
        _finish(booking, before, "booking_updated", actor=actor, now=now, availability=True)
    return booking


def booking_reschedule(
    *,
    booking: Booking,
    target_slot_id: int,
    actor: Actor,
    lock_key: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Move a live booking into another slot of its rental (Overbooked's reschedule),
    with every check of booking that slot; its old place is freed in the same write."""
    with _overlap_backstop(), transaction.atomic():
        rental, booking = _lock(booking)
        now = write_clock(now)
        _check_live(booking, now)
        if booking.slot_id == target_slot_id:
            return booking
        before = _snapshot(booking)
        _claim_slot(
            rental, booking, slot_id=target_slot_id, lock_key=lock_key, actor=actor, now=now
        )
        _ensure_free(rental, booking, now, exclude_id=booking.pk)
        _finish(booking, before, "booking_updated", actor=actor, now=now, availability=True)
    return booking


# --- a series' occurrences together (DESIGN §9 ?scope=) ---------------------------------


def _in_scope(rental: Rental, target: Booking, scope: str, now: dt.datetime) -> list[Booking]:
    """The live occurrences a scoped write changes, locked (after the rental, as every
    path locks), by start: `following` from the target on, `all` the whole series.
    Canceled occurrences are history and stay as they are."""
    occurrences = (
        Booking.objects.for_account(rental.account_id)
        .select_for_update(of=("self",))
        .filter(series_id=target.series_id)
    )
    if scope == "following":
        occurrences = occurrences.filter(start_at__gte=target.start_at)
    found = [b for b in occurrences.order_by("start_at", "id") if b.status_at(now) != "canceled"]
    for booking in found:
        booking.rental = rental
    return found


def _wall_shift(instant: dt.datetime, delta: dt.timedelta, tz: Any) -> dt.datetime:
    """`instant` moved by `delta` of local wall-clock time in `tz` (fold=0 for a time the
    clock skips or shows twice, as bookings/recurrence.py reads occurrences)."""
    wall = instant.astimezone(tz).replace(tzinfo=None) + delta
    return wall.replace(tzinfo=tz).astimezone(dt.UTC)


def booking_series_update(
    *,
    booking: Booking,
    booking_input: BookingInput,
    scope: str = "this",
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Booking]:
    """PUT/PATCH with `?scope=` (DESIGN §9): change `booking` alone (`this`, or a booking
    of no series), or with it the later live occurrences (`following`) or every live one
    (`all`). Returns the changed bookings.

    1. Lock the rental, then the occurrences in scope.
    2. The target takes the input as `booking_update` would; a change of its times is a
       delta of local wall-clock time (start and end apart), and every other occurrence
       is moved by the same deltas in the rental's zone; other fields are set alike.
    3. Every occurrence is checked with the single-booking rules (`_apply`, the free
       rule, the money rules); the overlap check is one query for them all, excluding
       themselves, and they may not overlap one another. Any failure: 422, nothing
       changed.
    4. Save each and record one event per changed occurrence in one INSERT.
    """
    if scope == "this" or booking.series_id is None:
        return [
            booking_update(
                booking=booking,
                booking_input=booking_input,
                actor=actor,
                application_id=application_id,
                now=now,
            )
        ]
    actor = _actor(actor, application_id)
    errors = Errors()
    errors.merge(bounds_errors(booking_input))
    errors.raise_if_any()
    with _overlap_backstop(), transaction.atomic():
        rental, target = _lock(booking)
        now = write_clock(now)
        _check_live(target, now)
        occurrences = _in_scope(rental, target, scope, now)
        tz = rental.tzinfo
        # The target first: its new times give the wall-clock deltas for the others.
        probe = Booking.objects.get(pk=target.pk)
        probe.rental = rental
        _apply(probe, booking_input, rental=rental, now=now, errors=Errors())
        start_delta = _wall(probe.start_at, tz) - _wall(target.start_at, tz)
        end_delta = _wall(probe.end_at, tz) - _wall(target.end_at, tz)
        moves = "start_at" in booking_input.values() or "end_at" in booking_input.values()
        fee_counts = dict(
            BookingFee.objects.filter(booking__in=occurrences)
            .values_list("booking_id")
            .annotate(count=models.Count("id"))
            .values_list("booking_id", "count")
        )
        befores: dict[int, dict[str, Any]] = {}
        for occurrence in occurrences:
            _check_writable(occurrence, application_id=application_id, fields=booking_input.names())
            befores[occurrence.pk] = _snapshot(occurrence)
            own_input = booking_input
            if moves:
                own_input = dataclasses.replace(
                    booking_input,
                    start_at=_wall_shift(occurrence.start_at, start_delta, tz),
                    end_at=_wall_shift(occurrence.end_at, end_delta, tz),
                )
            values = _apply(occurrence, own_input, rental=rental, now=now, errors=errors)
            if occurrence.free:
                _free_rules(
                    occurrence, values, fee_count=fee_counts.get(occurrence.pk, 0), errors=errors
                )
            errors.raise_if_any()
        live = [o for o in occurrences if o.status != Booking.Status.CANCELED]
        if live:
            _ensure_series_free(rental, live, now)
        for occurrence in occurrences:
            _apply_final_price(occurrence, booking_input.values())
            _money_rules(occurrence, errors)
        errors.raise_if_any()
        _record_many(occurrences, befores, "booking_updated", actor=actor, now=now)
    return occurrences


def _wall(instant: dt.datetime, tz: Any) -> dt.datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _ensure_series_free(rental: Rental, occurrences: Sequence[Booking], now: dt.datetime) -> None:
    """The occurrences' occupied periods meet nothing else (one query) nor each other."""
    periods = [booking_occupied_period(o) for o in occurrences]
    found = _conflicts(rental, periods, now, exclude_ids=[o.pk for o in occurrences], slot_id=None)
    messages = [
        f"{_local_text(occurrences[index].start_at, rental)}: {text}"
        for index, conflict in sorted(found.items())
        for texts in conflict.error.errors.values()
        for text in texts
    ]
    ordered = sorted(zip(periods, occurrences, strict=True), key=lambda pair: pair[0])
    for (previous, earlier), (current, later) in itertools.pairwise(ordered):
        if current[0] < previous[1]:
            messages.append(
                f"{_local_text(later.start_at, rental)}: overlaps booking {earlier.reference} "
                "of the same series"
            )
    if messages:
        raise BookingOverlap.with_messages(messages)


def _record_many(
    bookings: Sequence[Booking],
    befores: Mapping[int, Mapping[str, Any]],
    event: str,
    *,
    actor: Actor,
    now: dt.datetime,
) -> None:
    """Stamp and save each changed booking; one event per booking that changed (and the
    rental's availability_updated once), in one INSERT."""
    specs = []
    availability = False
    for booking in bookings:
        changes = _stamp(booking, befores[booking.pk], actor=actor, now=now)
        specs.append(EventSpec(event, "booking", booking.pk, changes))
        availability = availability or bool(AVAILABILITY_FIELDS & changes.keys())
    if specs:
        if availability or event == "booking_destroyed":
            specs.append(_availability(bookings[0].rental_id))
        events_record(account_id=bookings[0].account_id, actor=actor, occurred_at=now, specs=specs)


def booking_series_cancel(
    *,
    booking: Booking,
    scope: str = "this",
    reason: str = "",
    message_to_guest: str = "",
    message_to_channel: str = "",
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Booking]:
    """DELETE with `?scope=` (DESIGN §9): cancel `booking` (`this`), it and the later live
    occurrences (`following`) or every live one (`all`), in one transaction; one event
    per canceled occurrence. Returns the bookings canceled."""
    if scope == "this" or booking.series_id is None:
        return [
            booking_cancel(
                booking=booking,
                reason=reason,
                message_to_guest=message_to_guest,
                message_to_channel=message_to_channel,
                actor=actor,
                application_id=application_id,
                now=now,
            )
        ]
    actor = _actor(actor, application_id)
    cancel = CancelInput(
        reason=reason, message_to_guest=message_to_guest, message_to_channel=message_to_channel
    )
    problems = cancel_bounds_errors(cancel)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        rental, target = _lock(booking)
        now = write_clock(now)
        if target.series_id is None:  # pragma: no cover - a series is never unset
            return []
        target.refresh_from_db()
        occurrences = _in_scope(rental, target, scope, now)
        befores = {}
        for occurrence in occurrences:
            _check_writable(occurrence, application_id=application_id, fields={"status"})
            befores[occurrence.pk] = _snapshot(occurrence)
            occurrence.status = Booking.Status.CANCELED
            occurrence.canceled_at = now
            occurrence.cancelation_reason = cancel.reason
            occurrence.cancelation_message_to_guest = cancel.message_to_guest
            occurrence.cancelation_message_to_channel = cancel.message_to_channel
        _record_many(occurrences, befores, "booking_destroyed", actor=actor, now=now)
    return occurrences


def booking_delete(*, booking: Booking, actor: Actor, now: dt.datetime | None = None) -> None:
    """Delete a booking for good, with its fees, taxes and comments (Overbooked's DELETE,
    secret key only). One with payments or from a calendar feed is history that stays: 422."""
    with transaction.atomic():
        _rental, booking = _lock(booking)
        now = write_clock(now)
        status = booking.status_at(now)
        # Its fees, taxes and comments go with it, by account (core.rowdelete).
        account_row_delete(Booking, account_id=booking.account_id, pk=booking.pk, kept=_kept)
        _record_booking_event(
            booking,
            "booking_destroyed",
            actor=actor,
            now=now,
            changes={"deleted": [False, True], "status": [status, None]},
            availability=status != Booking.Status.CANCELED,
        )


# What keeps a booking from being deleted: it is history to cancel instead.
_KEPT_BY = {"bookingspayment": "has payments", "feedentry": "comes from a calendar feed"}


def _kept(model: type[models.Model]) -> ValidationFailed:
    reason = _KEPT_BY.get(model._meta.model_name or "", "has records that refer to it")
    return ValidationFailed({"booking": [f"{reason}; cancel it instead"]})


def booking_add_fee(
    *,
    booking: Booking,
    fee: FeeInput,
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> BookingFee:
    actor = _actor(actor, application_id)
    errors = Errors()
    with transaction.atomic():
        rental, booking = _lock(booking)
        now = write_clock(now)
        _check_writable(booking, application_id=application_id, fields={"bookings_fees"})
        _check_live(booking, now)
        values = _fee_values(fee, rental=rental, errors=errors, prefix="bookings_fees.0")
        _free_rules(booking, {}, fee_count=1, errors=errors)
        errors.raise_if_any()
        created = BookingFee.objects.create(
            account_id=booking.account_id, booking=booking, **values
        )
        _reprice(booking, now=now, actor=actor, changes={"bookings_fees": [None, created.pk]})
    return created


def booking_remove_fee(
    *,
    booking: Booking,
    fee_id: int,
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    actor = _actor(actor, application_id)
    with transaction.atomic():
        _rental, booking = _lock(booking)
        now = write_clock(now)
        _check_writable(booking, application_id=application_id, fields={"bookings_fees"})
        _check_live(booking, now)
        deleted, _ = BookingFee.objects.filter(pk=fee_id, booking=booking).delete()
        if not deleted:
            raise NotFound({"bookings_fee": ["not found"]})
        _reprice(booking, now=now, actor=actor, changes={"bookings_fees": [fee_id, None]})
    return booking


def booking_add_comment(
    *,
    booking: Booking,
    content: str,
    author: str = "",
    actor: Actor | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> BookingComment:
    """Add a comment to a live booking (a canceled one stays as history)."""
    actor = _actor(actor, application_id)
    content = content.strip()
    problems = comment_bounds_errors(content, prefix="content")
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        _rental, booking = _lock(booking)
        now = write_clock(now)
        _check_writable(booking, application_id=application_id, fields={"booking_comments"})
        _check_live(booking, now)
        comment = BookingComment.objects.create(
            account_id=booking.account_id, booking=booking, content=content, author=author
        )
        Booking.objects.filter(pk=booking.pk).update(updated_at=now, updated_by=actor.as_json())
        event_record(
            account_id=booking.account_id,
            event="booking_updated",
            resource_type="booking",
            resource_id=booking.pk,
            actor=actor,
            occurred_at=now,
            changes={"booking_comments": [None, comment.pk]},
        )
    return comment


def _reprice(booking: Booking, *, now: dt.datetime, actor: Actor, changes: dict[str, Any]) -> None:
    """Recompute a computed final price after fees or taxes changed; bump updated_at."""
    old_price = booking.final_price
    _apply_final_price(booking, {})
    errors = Errors()
    _money_rules(booking, errors)
    errors.raise_if_any()
    booking.updated_at = now
    booking.updated_by = actor.as_json()
    booking.save(update_fields=["final_price", "updated_at", "updated_by"])
    changes = {
        **changes,
        **changes_between({"final_price": old_price}, {"final_price": booking.final_price}),
    }
    event_record(
        account_id=booking.account_id,
        event="booking_updated",
        resource_type="booking",
        resource_id=booking.pk,
        actor=actor,
        occurred_at=now,
        changes=changes,
    )


def tentative_bookings_expire(
    *,
    now: dt.datetime | None = None,
    batch_size: int = SWEEP_BATCH_SIZE,
    dry_run: bool = False,
    account_id: int | None = None,
) -> int:
    """Cancel every hold whose `tentative_expires_at` has passed (of one account with
    `account_id`: then every statement names the account, so a database sharded by
    account runs each batch on one shard, docs/scaling.md); return how many.

    1. Pick at most `batch_size` expired holds, skipping rows another transaction holds
       (a booking write or a second sweep): they are handled there or next time.
    2. Cancel them with a conditional UPDATE that re-checks status and expiry, so a row
       confirmed meanwhile is left alone and a second sweep finds nothing to do; it
       returns the ids it really canceled, and each gets one event.
    3. Commit, and repeat until a batch comes back short. Each batch is its own short
       transaction, so the sweep never holds many locks for long.
    """
    bookings = (
        Booking.objects.all() if account_id is None else Booking.objects.for_account(account_id)
    )
    if dry_run:
        return bookings.expired_holds(write_clock(now)).count()
    total = 0
    while True:
        with transaction.atomic():
            batch_now = write_clock(now)
            rows = list(
                bookings.expired_holds(batch_now)
                .order_by("tentative_expires_at", "id")
                .select_for_update(skip_locked=True)
                .values_list("id", "account_id", "rental_id")[:batch_size]
            )
            if not rows:
                break
            ids = [row_id for row_id, _, _ in rows]
            placeholders = ", ".join(["%s"] * len(ids))
            where = (
                f"id IN ({placeholders}) AND status = 'tentative' AND tentative_expires_at <= %s"
            )
            params: list[Any] = [*ids, batch_now]
            if account_id is not None:
                where, params = f"account_id = %s AND {where}", [account_id, *params]
            canceled = set(_cancel_expired(where, params, now=batch_now))
            by_account: dict[int, list[tuple[int, int]]] = {}
            for row_id, row_account_id, rental_id in rows:
                if row_id in canceled:
                    by_account.setdefault(row_account_id, []).append((row_id, rental_id))
            _record_expired(by_account, batch_now)
            total += len(canceled)
        if len(rows) < batch_size:
            break
    return total


# --- clients ------------------------------------------------------------------------------


def client_create(*, account_id: int, client_input: ClientInput, actor: Actor) -> Client:
    problems = client_bounds_errors(client_input)
    if "fullname" not in client_input.values():
        problems.setdefault("fullname", []).append("can't be blank")
    if problems:
        raise ValidationFailed(problems)
    values = client_input.values()
    if "metadata" in values:
        values["metadata"] = metadata_merge({}, values["metadata"])
    with transaction.atomic():
        client = Client.objects.create(account_id=account_id, **values)
        event_record(
            account_id=account_id,
            event="client_created",
            resource_type="client",
            resource_id=client.pk,
            actor=actor,
            occurred_at=client.created_at,
        )
    return client


def client_update(*, client: Client, client_input: ClientInput, actor: Actor) -> Client:
    """Change the given fields; the row is locked so a concurrent edit of another field
    is never reverted."""
    problems = client_bounds_errors(client_input)
    if problems:
        raise ValidationFailed(problems)
    values = client_input.values()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if "metadata" in values:
            values["metadata"] = metadata_merge(client.metadata, values["metadata"])
        before = {name: getattr(client, name) for name in values}
        for name, value in values.items():
            setattr(client, name, value)
        client.save()
        event_record(
            account_id=client.account_id,
            event="client_updated",
            resource_type="client",
            resource_id=client.pk,
            actor=actor,
            occurred_at=client.updated_at,
            changes=changes_between(before, values),
        )
    return client
