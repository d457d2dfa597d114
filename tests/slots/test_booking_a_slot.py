"""Booking a slot through the booking service (DESIGN §10): capacity counted under the
slot's row lock, bookings of one slot exempt from the no-overlap rule among themselves,
an active slot's window closed to direct bookings (buffers count)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from bookings import services
from bookings.errors import BookingOverlap
from bookings.inputs import BookingInput
from bookings.models import Booking
from slots.errors import SlotFull, SlotOverBooking, SlotOverlap
from slots.services import slot_create
from tests.domain.test_concurrency import run_in_parallel
from tests.slots.conftest import ACTOR, HOUR

BOOKED = Booking.Status.BOOKED


def _book_slot(rental, slot, **kwargs) -> Booking:
    return services.booking_create(
        rental=rental,
        booking_input=BookingInput(status=BOOKED),
        actor=ACTOR,
        slot_id=slot.pk,
        **kwargs,
    )


def _book_direct(rental, start_at, end_at, **fields) -> Booking:
    return services.booking_create(
        rental=rental,
        booking_input=BookingInput(status=BOOKED, start_at=start_at, end_at=end_at, **fields),
        actor=ACTOR,
    )


@pytest.mark.django_db
def test_bookings_of_a_slot_share_its_window_up_to_its_capacity(rental, make_slot):
    slot = make_slot(capacity=2)
    first, second = _book_slot(rental, slot), _book_slot(rental, slot)
    assert (first.start_at, first.end_at, first.slot_id) == (slot.start_at, slot.end_at, slot.pk)
    assert (second.buffer_before, second.buffer_after) == (0, 0)
    with pytest.raises(SlotFull):
        _book_slot(rental, slot)
    services.booking_cancel(booking=first, actor=ACTOR)
    assert _book_slot(rental, slot).slot_id == slot.pk


@pytest.mark.django_db
def test_a_direct_booking_may_not_overlap_an_active_slot_buffers_included(rental, make_slot):
    slot = make_slot()
    with pytest.raises(SlotOverlap) as refused:
        _book_direct(rental, slot.start_at + HOUR / 2, slot.end_at + HOUR)
    assert refused.value.errors == {"start_at": [f"overlaps slot {slot.public_id}"]}
    with pytest.raises(SlotOverlap):  # clear of the window, but not its cleaning time
        _book_direct(rental, slot.end_at - 2 * HOUR, slot.start_at, buffer_after=30)
    _book_direct(rental, slot.end_at, slot.end_at + HOUR)  # touching is fine
    with pytest.raises(BookingOverlap):
        _book_direct(rental, slot.end_at, slot.end_at + HOUR)
    assert Booking.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_constraint_lets_bookings_of_a_slot_overlap_and_nothing_else(rental, make_slot):
    slot = make_slot(capacity=3)
    _book_slot(rental, slot)
    _book_slot(rental, slot)
    assert Booking.objects.filter(slot=slot).count() == 2  # both passed booking_no_overlap
    # As direct bookings, the same two rows overlap: the constraint refuses them.
    stmt = "UPDATE bookings_booking SET slot_id = NULL WHERE slot_id = %s"
    with (
        pytest.raises(IntegrityError, match="booking_no_overlap"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(stmt, [slot.pk])


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_of_a_slot_of_capacity_three_make_exactly_three(
    rental, make_slot
):
    slot = make_slot(capacity=3)
    outcomes = run_in_parallel(50, lambda _: _book_slot(rental, slot))
    wins = [value for kind, value in outcomes if kind == "ok"]
    full = [value for kind, value in outcomes if isinstance(value, SlotFull)]
    others = [value for kind, value in outcomes if kind != "ok" and value not in full]
    assert others == []
    assert (len(wins), len(full)) == (3, 47)
    with connection.cursor() as cursor:  # independent of the ORM's counting
        cursor.execute(
            "SELECT count(*) FROM bookings_booking WHERE slot_id = %s AND status <> 'canceled'",
            [slot.pk],
        )
        assert cursor.fetchone()[0] == 3


@pytest.mark.django_db
def test_a_slot_may_not_be_created_over_a_bookings_preparation_time(rental, start):
    booking = _book_direct(rental, start - 2 * HOUR, start - HOUR, buffer_after=90)
    with pytest.raises(SlotOverBooking) as refused:
        slot_create(rental=rental, start_at=start, end_at=start + HOUR, actor=ACTOR)
    assert refused.value.errors == {"start_at": [f"overlaps booking {booking.reference}"]}
    slot_create(rental=rental, start_at=start + HOUR / 2, end_at=start + HOUR, actor=ACTOR)
