"""DESIGN §3 canceling: the row stays as history with its reason and messages; the period frees."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from bookings.services import booking_cancel
from core.errors import ValidationFailed
from tests.domain.conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "flags", [{"booked": True}, {"unavailable": True}, {"tentative_expires_at": at(-1)}]
)
def test_canceling_keeps_the_row_with_reason_and_messages(book, clock, flags):
    booking = book(at(1), at(3), **flags)
    later = clock + dt.timedelta(hours=2)
    booking_cancel(
        booking=booking,
        reason="requested_by_guest",
        message_to_guest="Sorry to see you go",
        message_to_channel="Guest canceled by phone",
        now=later,
    )
    booking = Booking.objects.get(pk=booking.pk)
    assert booking.status == Booking.Status.CANCELED
    assert booking.canceled_at == later
    assert booking.updated_at == later
    assert booking.cancelation_reason == "requested_by_guest"
    assert booking.cancelation_message_to_guest == "Sorry to see you go"
    assert booking.cancelation_message_to_channel == "Guest canceled by phone"
    assert (booking.start_at, booking.end_at) == (at(1), at(3))


@pytest.mark.parametrize(
    "reason",
    [
        "requested_by_guest",
        "requested_by_owner",
        "payment_failed",
        "overbooked",
        "no_show",
        "tentative_expired",
        "other",
    ],
)
def test_every_documented_reason_is_accepted(book, clock, reason):
    booking = booking_cancel(booking=book(at(1), at(3)), reason=reason, now=clock)
    assert booking.cancelation_reason == reason


def test_an_unknown_reason_is_rejected_and_nothing_changes(book, clock):
    booking = book(at(1), at(3))
    with pytest.raises(ValidationFailed) as caught:
        booking_cancel(booking=booking, reason="changed_my_mind", now=clock)
    assert list(caught.value.errors) == ["cancelation_reason"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_canceling_twice_changes_nothing_the_second_time(book, clock):
    booking = book(at(1), at(3))
    booking_cancel(booking=booking, reason="overbooked", now=clock)
    again = booking_cancel(
        booking=booking, reason="other", message_to_guest="x", now=clock + dt.timedelta(days=1)
    )
    assert again.canceled_at == clock
    assert again.cancelation_reason == "overbooked"
    assert again.cancelation_message_to_guest == ""


def test_canceling_an_expired_hold_records_its_expiry_not_the_cancel(book, clock):
    expires = clock + dt.timedelta(hours=1)
    hold = book(at(1), at(3), tentative_expires_at=expires)
    canceled = booking_cancel(
        booking=hold, reason="requested_by_guest", now=clock + dt.timedelta(hours=3)
    )
    assert canceled.status == Booking.Status.CANCELED
    assert canceled.canceled_at == expires
    assert canceled.cancelation_reason == "tentative_expired"


def test_the_period_of_a_canceled_booking_is_free_at_once(book, clock):
    booking = book(at(1), at(3))
    booking_cancel(booking=booking, now=clock)
    assert not Booking.objects.blocking(clock).overlapping(at(1), at(3)).exists()
    assert book(at(1), at(3)).status == Booking.Status.BOOKED
