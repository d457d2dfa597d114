"""DESIGN §3 status rules: exactly one status flag, canceled is history, start before end."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.errors import InvalidStatusChange
from bookings.models import Booking
from bookings.services import booking_cancel
from core.errors import ValidationFailed
from tests.domain.conftest import at, iso
from tests.factories import booking_create, booking_update

pytestmark = pytest.mark.django_db

PERIOD = {"start_at": iso(at(0, 14)), "end_at": iso(at(3, 8))}


@pytest.mark.parametrize(
    ("flags", "status"),
    [
        ({"booked": True}, Booking.Status.BOOKED),
        ({"unavailable": True}, Booking.Status.UNAVAILABLE),
        ({"tentative_expires_at": iso(at(-1))}, Booking.Status.TENTATIVE),
        # Flags set to false do not count as given.
        ({"booked": True, "unavailable": False}, Booking.Status.BOOKED),
    ],
)
def test_create_with_exactly_one_status_flag_sets_that_status(rental, clock, flags, status):
    booking = booking_create(rental=rental, data={**PERIOD, **flags}, now=clock)
    booking.refresh_from_db()
    assert booking.status == status
    if status == Booking.Status.TENTATIVE:
        assert booking.tentative_expires_at == at(-1)
    else:
        assert booking.tentative_expires_at is None


@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"booked": False},
        {"booked": True, "unavailable": True},
        {"booked": True, "tentative_expires_at": iso(at(-1))},
        {"unavailable": True, "tentative_expires_at": iso(at(-1))},
        {"booked": True, "unavailable": True, "tentative_expires_at": iso(at(-1))},
    ],
)
def test_create_without_exactly_one_status_flag_is_rejected(rental, clock, flags):
    with pytest.raises(ValidationFailed) as caught:
        booking_create(rental=rental, data={**PERIOD, **flags}, now=clock)
    assert "status" in caught.value.errors
    assert not Booking.objects.exists()


def test_create_with_a_past_tentative_expiry_is_rejected(rental, clock):
    with pytest.raises(ValidationFailed) as caught:
        booking_create(
            rental=rental,
            data={**PERIOD, "tentative_expires_at": iso(clock - dt.timedelta(seconds=1))},
            now=clock,
        )
    assert list(caught.value.errors) == ["tentative_expires_at"]


def test_create_with_a_tentative_expiry_of_exactly_now_is_rejected(rental, clock):
    with pytest.raises(ValidationFailed) as caught:
        booking_create(
            rental=rental, data={**PERIOD, "tentative_expires_at": iso(clock)}, now=clock
        )
    assert "tentative_expires_at" in caught.value.errors


@pytest.mark.parametrize(
    ("flags", "status"),
    [
        ({"unavailable": True}, Booking.Status.UNAVAILABLE),
        ({"tentative_expires_at": iso(at(-2))}, Booking.Status.TENTATIVE),
        ({"booked": True}, Booking.Status.BOOKED),
    ],
)
def test_update_moves_a_booking_between_statuses(book, clock, flags, status):
    booking = book(at(0), at(2), tentative_expires_at=at(-3))
    booking_update(booking=booking, data=flags, now=clock)
    booking.refresh_from_db()
    assert booking.status == status
    assert (booking.tentative_expires_at is not None) == (status == Booking.Status.TENTATIVE)


def test_update_to_booked_records_when_it_was_booked(book, clock):
    booking = book(at(0), at(2), tentative_expires_at=at(-3))
    assert booking.booked_at is None
    booking_update(booking=booking, data={"booked": True}, now=clock)
    booking.refresh_from_db()
    assert booking.booked_at == clock


@pytest.mark.parametrize(
    "flags",
    [
        {"booked": True, "unavailable": True},
        {"booked": False},
        {"unavailable": True, "tentative_expires_at": iso(at(-1))},
    ],
)
def test_update_without_exactly_one_status_flag_is_rejected(book, clock, flags):
    booking = book(at(0), at(2))
    with pytest.raises(ValidationFailed) as caught:
        booking_update(booking=booking, data=flags, now=clock)
    assert "status" in caught.value.errors
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_update_to_tentative_needs_a_future_expiry(book, clock):
    booking = book(at(0), at(2))
    with pytest.raises(ValidationFailed) as caught:
        booking_update(
            booking=booking,
            data={"tentative_expires_at": iso(clock - dt.timedelta(hours=1))},
            now=clock,
        )
    assert "tentative_expires_at" in caught.value.errors


def test_update_without_status_flags_keeps_the_status(book, clock):
    booking = book(at(0), at(2), unavailable=True)
    booking_update(booking=booking, data={"notes": "owner stay"}, now=clock)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.UNAVAILABLE
    assert booking.notes == "owner stay"


def test_a_canceled_booking_cannot_be_updated(book, clock):
    booking = book(at(0), at(2))
    booking_cancel(booking=booking, now=clock)
    with pytest.raises(InvalidStatusChange) as caught:
        booking_update(booking=booking, data={"notes": "too late"}, now=clock)
    assert "status" in caught.value.errors
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELED
    assert booking.notes == ""


def test_a_canceled_booking_cannot_be_revived_by_a_status_flag(book, clock):
    booking = book(at(0), at(2))
    booking_cancel(booking=booking, now=clock)
    with pytest.raises(InvalidStatusChange):
        booking_update(booking=booking, data={"booked": True}, now=clock)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELED


def test_an_expired_hold_counts_as_canceled_and_cannot_be_updated(book, clock):
    booking = book(at(0), at(2), tentative_expires_at=clock + dt.timedelta(hours=1))
    with pytest.raises(InvalidStatusChange):
        booking_update(booking=booking, data={"booked": True}, now=clock + dt.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.TENTATIVE


@pytest.mark.parametrize(
    ("start", "end"),
    [(at(2), at(2)), (at(2), at(1)), (at(2, 10), at(2, 9))],
)
def test_create_requires_start_before_end(rental, clock, start, end):
    with pytest.raises(ValidationFailed) as caught:
        booking_create(
            rental=rental,
            data={"start_at": iso(start), "end_at": iso(end), "booked": True},
            now=clock,
        )
    assert "end_at" in caught.value.errors


@pytest.mark.parametrize("missing", ["start_at", "end_at"])
@pytest.mark.parametrize("blank", [None, ""])
def test_create_requires_start_and_end(rental, clock, missing, blank):
    data = {**PERIOD, "booked": True}
    data[missing] = blank
    with pytest.raises(ValidationFailed) as caught:
        booking_create(rental=rental, data=data, now=clock)
    assert caught.value.errors[missing] == ["can't be blank"]


def test_create_requires_start_and_end_even_when_omitted(rental, clock):
    with pytest.raises(ValidationFailed) as caught:
        booking_create(rental=rental, data={"booked": True}, now=clock)
    assert {"start_at", "end_at"} <= caught.value.errors.keys()


def test_update_of_one_end_is_checked_against_the_stored_other_end(book, clock):
    booking = book(at(3), at(5))
    with pytest.raises(ValidationFailed) as caught:
        booking_update(booking=booking, data={"start_at": iso(at(5))}, now=clock)
    assert "end_at" in caught.value.errors
    with pytest.raises(ValidationFailed):
        booking_update(booking=booking, data={"end_at": iso(at(2))}, now=clock)
    booking.refresh_from_db()
    assert (booking.start_at, booking.end_at) == (at(3), at(5))


def test_update_cannot_blank_the_start(book, clock):
    booking = book(at(3), at(5))
    with pytest.raises(ValidationFailed) as caught:
        booking_update(booking=booking, data={"start_at": ""}, now=clock)
    assert "start_at" in caught.value.errors
