"""DESIGN §3: until the sweep runs, every read treats an expired hold as canceled."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from tests.domain.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookings(book, clock):
    """One booking of each kind; the hold expires an hour after the clock."""
    return {
        "booked": book(at(0), at(1)),
        "unavailable": book(at(1), at(2), unavailable=True),
        "hold": book(at(2), at(3), tentative_expires_at=clock + dt.timedelta(hours=1)),
        "canceled": _canceled(book(at(3), at(4)), clock),
    }


def _canceled(booking, clock):
    from bookings.services import booking_cancel

    return booking_cancel(booking=booking, reason="requested_by_guest", now=clock)


def _ids(queryset, bookings) -> set[str]:
    names = {b.pk: name for name, b in bookings.items()}
    return {names[pk] for pk in queryset.values_list("pk", flat=True)}


def test_a_live_hold_reads_as_tentative_and_blocks(bookings, clock):
    qs = Booking.objects.all()
    assert _ids(qs.blocking(clock), bookings) == {"booked", "unavailable", "hold"}
    assert _ids(qs.canceled(clock), bookings) == {"canceled"}
    assert _ids(qs.expired_holds(clock), bookings) == set()
    assert _ids(qs.with_status(["tentative"], clock), bookings) == {"hold"}
    assert bookings["hold"].status_at(clock) == Booking.Status.TENTATIVE


@pytest.mark.parametrize("after", [dt.timedelta(hours=1), dt.timedelta(days=30)])
def test_an_expired_hold_reads_as_canceled_everywhere(bookings, clock, after):
    now = clock + after
    qs = Booking.objects.all()
    assert _ids(qs.blocking(now), bookings) == {"booked", "unavailable"}
    assert _ids(qs.canceled(now), bookings) == {"canceled", "hold"}
    assert _ids(qs.expired_holds(now), bookings) == {"hold"}
    assert _ids(qs.with_status(["tentative"], now), bookings) == set()
    assert _ids(qs.with_status(["canceled"], now), bookings) == {"canceled", "hold"}
    assert _ids(qs.with_status(["booked", "unavailable"], now), bookings) == {
        "booked",
        "unavailable",
    }
    hold = Booking.objects.get(pk=bookings["hold"].pk)
    assert hold.status == Booking.Status.TENTATIVE  # not swept yet
    assert hold.status_at(now) == Booking.Status.CANCELED
    assert hold.is_expired_hold(now)
    assert hold.canceled_at_effective(now) == clock + dt.timedelta(hours=1)
    assert hold.cancelation_reason_effective(now) == "tentative_expired"


def test_the_effective_cancelation_of_other_bookings_is_what_was_stored(bookings, clock):
    canceled = Booking.objects.get(pk=bookings["canceled"].pk)
    assert canceled.status_at(clock) == Booking.Status.CANCELED
    assert canceled.canceled_at_effective(clock) == clock
    assert canceled.cancelation_reason_effective(clock) == "requested_by_guest"
    booked = Booking.objects.get(pk=bookings["booked"].pk)
    assert booked.status_at(clock + dt.timedelta(days=900)) == Booking.Status.BOOKED
    assert booked.canceled_at_effective(clock) is None


def test_overlapping_is_half_open(book):
    booking = book(at(1, 16), at(3, 10))
    qs = Booking.objects.all()
    assert list(qs.overlapping(at(3, 10), at(4))) == []
    assert list(qs.overlapping(at(0), at(1, 16))) == []
    assert list(qs.overlapping(at(3, 9), at(4))) == [booking]
    assert list(qs.overlapping(at(0), at(1, 17))) == [booking]


def test_for_account_keeps_one_account(book, other_account, make_rental, account):
    mine = book(at(0), at(1))
    theirs = book(at(0), at(1), on=make_rental(other_account))
    assert list(Booking.objects.for_account(account.pk)) == [mine]
    assert list(Booking.objects.for_account(other_account.pk)) == [theirs]
