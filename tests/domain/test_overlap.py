"""DESIGN §3 no-overlap rule, checked through the services (the sequential cases)."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.errors import BookingOverlap
from bookings.models import Booking
from bookings.services import booking_cancel
from tests.domain.conftest import at, iso
from tests.factories import booking_update

pytestmark = pytest.mark.django_db

BLOCKING = [
    pytest.param({"booked": True}, id="booked"),
    pytest.param({"unavailable": True}, id="unavailable"),
    pytest.param({"tentative_expires_at": at(-1)}, id="live-tentative"),
]


@pytest.mark.parametrize("flags", BLOCKING)
@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(at(1), at(3), id="same-period"),
        pytest.param(at(0), at(2), id="overlaps-the-start"),
        pytest.param(at(2), at(4), id="overlaps-the-end"),
        pytest.param(at(1, 1), at(2), id="inside"),
        pytest.param(at(0), at(5), id="around"),
    ],
)
def test_a_booking_over_a_blocking_one_is_rejected(book, flags, start, end):
    first = book(at(1), at(3), **flags)
    with pytest.raises(BookingOverlap) as caught:
        book(start, end)
    assert caught.value.errors == {"start_at": [f"overlaps booking {first.reference}"]}
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("flags", BLOCKING)
def test_a_booking_of_any_status_is_blocked_by_an_existing_one(book, flags):
    book(at(1), at(3))
    with pytest.raises(BookingOverlap):
        book(at(2), at(4), **flags)


def test_a_stay_ending_at_ten_and_the_next_starting_at_ten_do_not_overlap(book):
    first = book(at(1, 16), at(3, 10))
    after = book(at(3, 10), at(5, 10))
    before = book(at(0, 16), at(1, 16))
    assert Booking.objects.filter(status="booked").count() == 3
    assert first.end_at == after.start_at
    assert before.end_at == first.start_at


def test_one_second_of_overlap_is_an_overlap(book):
    book(at(1, 16), at(3, 10))
    with pytest.raises(BookingOverlap):
        book(at(3, 10) - dt.timedelta(seconds=1), at(5))


def test_the_same_period_on_another_rental_is_free(book, account, make_rental):
    book(at(1), at(3))
    book(at(1), at(3), on=make_rental(account))
    assert Booking.objects.count() == 2


def test_a_canceled_booking_does_not_block(book, clock):
    first = book(at(1), at(3))
    booking_cancel(booking=first, now=clock)
    second = book(at(1), at(3))
    assert second.status == Booking.Status.BOOKED


def test_an_expired_hold_does_not_block(book, clock):
    hold = book(at(1), at(3), tentative_expires_at=clock + dt.timedelta(hours=1))
    later = clock + dt.timedelta(hours=1)
    book(at(1), at(3), now=later)
    assert Booking.objects.filter(status="booked").count() == 1
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELED


def test_a_hold_still_blocks_one_second_before_it_expires(book, clock):
    book(at(1), at(3), tentative_expires_at=clock + dt.timedelta(hours=1))
    with pytest.raises(BookingOverlap):
        book(at(1), at(3), now=clock + dt.timedelta(minutes=59, seconds=59))


def test_a_create_over_an_expired_unswept_hold_cancels_the_hold_in_the_same_write(book, clock):
    expires = clock + dt.timedelta(hours=2)
    hold = book(at(1), at(3), tentative_expires_at=expires)
    later = clock + dt.timedelta(hours=5)
    book(at(2), at(4), now=later)
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELED
    assert hold.canceled_at == expires
    assert hold.cancelation_reason == Booking.CancelationReason.TENTATIVE_EXPIRED
    assert hold.updated_at == later


def test_an_update_over_an_expired_unswept_hold_cancels_the_hold(book, clock):
    expires = clock + dt.timedelta(hours=2)
    hold = book(at(1), at(3), tentative_expires_at=expires)
    other = book(at(5), at(7))
    booking_update(
        booking=other,
        data={"start_at": iso(at(2))},
        now=clock + dt.timedelta(hours=3),
    )
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELED
    assert hold.canceled_at == expires
    assert hold.cancelation_reason == Booking.CancelationReason.TENTATIVE_EXPIRED


def test_a_failed_write_rolls_back_its_release_of_an_expired_hold(book, clock):
    hold = book(at(1), at(3), tentative_expires_at=clock + dt.timedelta(hours=2))
    book(at(3), at(5))
    with pytest.raises(BookingOverlap):
        book(at(1), at(4), now=clock + dt.timedelta(hours=3))
    hold.refresh_from_db()
    assert hold.status == Booking.Status.TENTATIVE
    assert hold.status_at(clock + dt.timedelta(hours=3)) == Booking.Status.CANCELED


def test_moving_a_booking_onto_another_is_rejected(book, clock):
    first = book(at(1), at(3))
    second = book(at(5), at(7))
    with pytest.raises(BookingOverlap) as caught:
        booking_update(booking=second, data={"start_at": iso(at(2))}, now=clock)
    assert caught.value.errors == {"start_at": [f"overlaps booking {first.reference}"]}
    second.refresh_from_db()
    assert second.start_at == at(5)


def test_a_booking_may_be_moved_within_its_own_period(book, clock):
    booking = book(at(1), at(5))
    booking_update(booking=booking, data={"start_at": iso(at(2)), "end_at": iso(at(6))}, now=clock)
    booking.refresh_from_db()
    assert (booking.start_at, booking.end_at) == (at(2), at(6))


def test_confirming_a_hold_keeps_its_period(book, clock):
    hold = book(at(1), at(5), tentative_expires_at=at(-1))
    booking_update(booking=hold, data={"booked": True}, now=clock)
    hold.refresh_from_db()
    assert hold.status == Booking.Status.BOOKED


def test_canceling_frees_the_period_at_once(book, clock):
    first = book(at(1), at(3))
    booking_cancel(booking=first, now=clock)
    second = book(at(1), at(3))
    assert second.pk != first.pk
    with pytest.raises(BookingOverlap) as caught:
        book(at(2), at(3))
    assert caught.value.errors["start_at"] == [f"overlaps booking {second.reference}"]
