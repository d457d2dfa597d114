"""Reads of slots: the Overbooked lists and counts, the admin's grids, and what the
booking services need.

For the booking services (they lock the rental, then count under the slot's row lock):
`active_slots_overlapping` (an active slot occupies its window against direct bookings)
and `slot_for_update` (the row lock under which a slot's bookings are counted).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan

from rentals.models import Rental
from slots.models import Slot

BOOKINGS = "bookings"  # the reverse name of Booking.slot


def slots_have_bookings() -> bool:
    """Whether bookings point at slots (Booking.slot); until they do, every count is 0."""
    try:
        Slot._meta.get_field(BOOKINGS)
    except FieldDoesNotExist:
        return False
    return True


def _active_booking(now: dt.datetime, prefix: str = "") -> Q:
    """A booking that holds its place: booked, unavailable or a live hold (as
    BookingQuerySet.blocking says, spelled across the relation)."""
    return Q(**{f"{prefix}status__in": ["booked", "unavailable"]}) | Q(
        **{f"{prefix}status": "tentative", f"{prefix}tentative_expires_at__gt": now}
    )


def _bookings_count(now: dt.datetime | None = None) -> Coalesce:
    """COUNT of the slot's bookings (active ones when `now` is given) as a correlated
    subquery: no GROUP BY on the slots, so the annotated queryset can itself be counted
    in a subquery per rental (overbooked/selectors.py)."""
    from bookings.models import Booking  # bookings import this module (lock order)

    bookings = Booking.objects.filter(slot_id=OuterRef("pk"))
    if now is not None:
        bookings = bookings.filter(_active_booking(now))
    counted = bookings.order_by().values("slot_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_counts(queryset: QuerySet[Slot], now: dt.datetime) -> QuerySet[Slot]:
    if not slots_have_bookings():
        zero = Value(0, output_field=IntegerField())
        return queryset.annotate(num_bookings=zero, num_active_bookings=zero)
    return queryset.annotate(
        num_bookings=_bookings_count(), num_active_bookings=_bookings_count(now)
    )


class SecondsUntil(Func):
    """Seconds from `now` to a datetime column, on PostgreSQL and SQLite alike."""

    output_field = FloatField()

    def __init__(self, column: str, now: dt.datetime):
        super().__init__(F(column), Value(now, output_field=DateTimeField()))

    def as_postgresql(self, compiler, connection, **extra_context):
        (column, column_params), (now, now_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"EXTRACT(EPOCH FROM ({column} - {now}))", [*column_params, *now_params]

    def as_sqlite(self, compiler, connection, **extra_context):
        (column, column_params), (now, now_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return (
            f"((julianday({column}) - julianday({now})) * 86400.0)",
            [*column_params, *now_params],
        )


def available_condition(now: dt.datetime) -> Q:
    """Open for booking now: active, its rental published, not locked, not full, and
    not within the rental's `booking_disabled_before` of its start (when that is set)."""
    return (
        Q(status=Slot.Status.ACTIVE)
        & Q(rental__status=Rental.Status.PUBLISHED)
        & (Q(lock_until__isnull=True) | Q(lock_until__lte=now))
        & Q(num_active_bookings__lt=F("capacity"))
        & (
            Q(rental__booking_disabled_before=0)
            | Q(GreaterThan(SecondsUntil("start_at", now), F("rental__booking_disabled_before")))
        )
    )


def slots_for_account(account_id: int, now: dt.datetime) -> QuerySet[Slot]:
    """The account's slots with `num_bookings`, `num_active_bookings` and `available`."""
    queryset = _with_counts(
        Slot.objects.for_account(account_id).select_related("rental"), now
    ).order_by("start_at", "id")
    return queryset.annotate(
        available=ExpressionWrapper(available_condition(now), output_field=BooleanField())
    )


SLOT_BAR_FIELDS = ("id", "rental_id", "start_at", "end_at", "capacity", "status", "lock_until")


def slots_in_window(
    *, rentals: Sequence[Rental], start_at: dt.datetime, end_at: dt.datetime, now: dt.datetime
) -> QuerySet:
    """The slots of `rentals` meeting `[start_at, end_at)`, active and disabled, as named
    rows of SLOT_BAR_FIELDS plus `booked` (its active bookings, a correlated subquery):
    one query for a whole page of rentals (the admin's planning board and calendar)."""
    if not rentals:
        return Slot.objects.none().values_list(*SLOT_BAR_FIELDS, named=True)
    queryset = Slot.objects.filter(
        # account first: the (account, rental, start_at, end_at) index leads with it
        account_id__in={rental.account_id for rental in rentals},
        rental_id__in=[rental.pk for rental in rentals],
    ).overlapping(start_at, end_at)
    booked = (
        _bookings_count(now) if slots_have_bookings() else Value(0, output_field=IntegerField())
    )
    return (
        queryset.annotate(booked=booked)
        .order_by("rental_id", "start_at", "id")
        .values_list(*SLOT_BAR_FIELDS, "booked", named=True)
    )


def slot_by_public_id(account_id: int, public_id: uuid.UUID, now: dt.datetime) -> Slot | None:
    return slots_for_account(account_id, now).filter(public_id=public_id).first()


def active_slots_overlapping(
    *,
    rental: Rental,
    start_at: dt.datetime,
    end_at: dt.datetime,
    exclude_id: int | None = None,
) -> QuerySet[Slot]:
    """Active slots of `rental` whose window meets `[start_at, end_at)`; call it with the
    rental row locked, as every writer of the rental's periods does."""
    queryset = Slot.objects.filter(account_id=rental.account_id, rental=rental).active()
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.overlapping(start_at, end_at).order_by("start_at", "id")


def slot_for_update(*, account_id: int, slot_id: int) -> Slot:
    """The slot's row, locked (`SELECT … FOR UPDATE`) until the transaction ends: count
    its bookings and check its lock under this. Raises Slot.DoesNotExist."""
    return Slot.objects.select_for_update().get(account_id=account_id, pk=slot_id)


def active_bookings_count(slot: Slot, now: dt.datetime) -> int:
    if not slots_have_bookings():
        return 0
    return getattr(slot, BOOKINGS).filter(_active_booking(now)).count()


def bookings_count(slot: Slot) -> int:
    if not slots_have_bookings():
        return 0
    return getattr(slot, BOOKINGS).count()
