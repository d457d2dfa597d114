"""DESIGN §5 sweep (`tentative_bookings_expire`): expired holds become canceled, nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from bookings.services import tentative_bookings_expire
from tests.domain.conftest import at

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def test_the_sweep_cancels_expired_holds_as_of_their_expiry(book, clock):
    hold = book(at(1), at(2), tentative_expires_at=clock + HOUR)
    sweep_at = clock + 5 * HOUR
    assert tentative_bookings_expire(now=sweep_at) == 1
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELED
    assert hold.canceled_at == clock + HOUR
    assert hold.cancelation_reason == Booking.CancelationReason.TENTATIVE_EXPIRED
    assert hold.updated_at == sweep_at
    assert hold.tentative_expires_at == clock + HOUR


def test_the_sweep_leaves_live_holds_and_other_statuses_alone(book, clock):
    live = book(at(1), at(2), tentative_expires_at=clock + 3 * HOUR)
    edge = book(at(2), at(3), tentative_expires_at=clock + 2 * HOUR)
    booked = book(at(3), at(4))
    unavailable = book(at(4), at(5), unavailable=True)
    assert tentative_bookings_expire(now=clock + 2 * HOUR - dt.timedelta(seconds=1)) == 0
    assert tentative_bookings_expire(now=clock + 2 * HOUR) == 1  # expiry is inclusive
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        live.pk: "tentative",
        edge.pk: "canceled",
        booked.pk: "booked",
        unavailable.pk: "unavailable",
    }
    assert Booking.objects.get(pk=booked.pk).updated_at == clock


def test_the_sweep_does_not_touch_bookings_canceled_otherwise(book, clock):
    from bookings.services import booking_cancel

    hold = book(at(1), at(2), tentative_expires_at=clock + HOUR)
    booking_cancel(booking=hold, reason="requested_by_guest", now=clock)
    assert tentative_bookings_expire(now=clock + 5 * HOUR) == 0
    hold.refresh_from_db()
    assert (hold.canceled_at, hold.cancelation_reason) == (clock, "requested_by_guest")


def test_the_sweep_works_through_more_than_one_batch(book, clock, account, make_rental):
    rentals = [make_rental(account) for _ in range(3)]
    holds = [
        book(at(day), at(day + 1), on=rental, tentative_expires_at=clock + HOUR + day * HOUR)
        for rental in rentals
        for day in range(4)
    ]
    assert tentative_bookings_expire(now=clock + 10 * HOUR, batch_size=5) == 12
    assert set(Booking.objects.values_list("status", flat=True)) == {"canceled"}
    for hold in holds:
        hold.refresh_from_db()
        assert hold.canceled_at == hold.tentative_expires_at


def test_a_batch_size_dividing_the_count_exactly_still_finishes(book, clock):
    for day in range(4):
        book(at(day), at(day + 1), tentative_expires_at=clock + HOUR)
    assert tentative_bookings_expire(now=clock + 2 * HOUR, batch_size=2) == 4
    assert tentative_bookings_expire(now=clock + 2 * HOUR, batch_size=2) == 0


def test_a_second_sweep_finds_nothing_to_do(book, clock):
    hold = book(at(1), at(2), tentative_expires_at=clock + HOUR)
    assert tentative_bookings_expire(now=clock + 2 * HOUR) == 1
    assert tentative_bookings_expire(now=clock + 3 * HOUR) == 0
    hold.refresh_from_db()
    assert hold.updated_at == clock + 2 * HOUR


def test_a_dry_run_counts_without_changing_anything(book, clock):
    book(at(1), at(2), tentative_expires_at=clock + HOUR)
    book(at(2), at(3), tentative_expires_at=clock + HOUR)
    book(at(3), at(4), tentative_expires_at=clock + 9 * HOUR)
    assert tentative_bookings_expire(now=clock + 2 * HOUR, dry_run=True) == 2
    assert Booking.objects.filter(status="tentative").count() == 3
    assert tentative_bookings_expire(now=clock + 2 * HOUR) == 2


def test_after_the_sweep_reads_are_unchanged(book, clock):
    hold = book(at(1), at(2), tentative_expires_at=clock + HOUR)
    now = clock + 2 * HOUR
    before = Booking.objects.get(pk=hold.pk)
    assert before.status == Booking.Status.TENTATIVE
    seen_before = (before.status_at(now), before.canceled_at_effective(now))
    tentative_bookings_expire(now=now)
    after = Booking.objects.get(pk=hold.pk)
    assert (after.status_at(now), after.canceled_at_effective(now)) == seen_before
    assert list(Booking.objects.canceled(now)) == [after]
