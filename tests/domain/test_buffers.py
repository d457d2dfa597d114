"""Buffers (DESIGN §9): a booking occupies [start_at - buffer_before, end_at + buffer_after);
no two blocking occupied periods of one rental overlap, in the service and, on
PostgreSQL, in the exclusion constraint under any concurrency."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import IntegrityError

from bookings import services
from bookings.errors import BookingOverlap
from bookings.models import Booking
from core.errors import ValidationFailed
from tests.domain.conftest import at, iso
from tests.domain.test_concurrency import run_in_parallel, split, stopped_by_the_constraint
from tests.domain.test_db_constraints import _insert
from tests.factories import booking_create, booking_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaned(make_rental, account):
    """A rental needing 3 hours of cleaning after each stay and 1 hour before."""
    return make_rental(account, name="Dune Cabin", buffer_before=60, buffer_after=180)


def test_booked_and_tentative_bookings_take_the_rentals_buffers(book, cleaned, clock):
    booked = book(at(1, 15), at(3, 10), on=cleaned)
    hold = book(at(5, 15), at(6, 10), on=cleaned, tentative_expires_at=at(4))
    assert (booked.buffer_before, booked.buffer_after) == (60, 180)
    assert (hold.buffer_before, hold.buffer_after) == (60, 180)


def test_an_unavailable_period_has_no_buffer_unless_given(book, cleaned):
    block = book(at(1), at(2), on=cleaned, unavailable=True)
    given = book(at(4), at(5), on=cleaned, unavailable=True, buffer_after=30)
    assert (block.buffer_before, block.buffer_after) == (0, 0)
    assert (given.buffer_before, given.buffer_after) == (0, 30)


def test_given_buffers_override_the_rentals(book, cleaned):
    booking = book(at(1), at(2), on=cleaned, buffer_before=0, buffer_after=15)
    assert (booking.buffer_before, booking.buffer_after) == (0, 15)


def test_changing_a_rentals_buffers_leaves_existing_bookings_alone(book, cleaned):
    booking = book(at(1), at(2), on=cleaned)
    cleaned.buffer_after = 600
    cleaned.save()
    booking.refresh_from_db()
    assert booking.buffer_after == 180


def test_a_stay_in_the_preparation_time_after_another_is_refused_naming_it(book, cleaned):
    first = book(at(1, 15), at(3, 10), on=cleaned, buffer_before=0)
    # 10:00 + 180 min = 13:00; the second's own buffer_before is 0 here.
    with pytest.raises(BookingOverlap) as refused:
        book(at(3, 12), at(4, 10), on=cleaned, buffer_before=0)
    assert refused.value.errors == {
        "start_at": [f"overlaps the preparation time of booking {first.reference}"]
    }
    assert Booking.objects.count() == 1
    book(at(3, 13), at(4, 10), on=cleaned, buffer_before=0)  # touching is fine


def test_the_new_bookings_own_buffer_counts_too(book, rental):
    first = book(at(1), at(3), buffer_after=0)
    with pytest.raises(BookingOverlap) as refused:
        book(at(3, 2), at(5), buffer_before=180)  # its preparation starts at 23:00
    assert refused.value.errors == {"start_at": [f"overlaps booking {first.reference}"]}
    book(at(3, 3), at(5), buffer_before=180)


def test_both_buffers_count(book, rental):
    first = book(at(1), at(3), buffer_after=60)
    with pytest.raises(BookingOverlap) as refused:
        book(at(3, 1), at(5), buffer_before=30)  # 00:30 < 01:00
    assert refused.value.errors == {
        "start_at": [f"overlaps the preparation time of booking {first.reference}"]
    }
    book(at(3, 1.5), at(5), buffer_before=30)


def test_a_stay_overlapping_the_stay_itself_says_overlaps_booking(book, cleaned):
    first = book(at(1, 15), at(3, 10), on=cleaned)
    with pytest.raises(BookingOverlap) as refused:
        book(at(2, 15), at(4, 10), on=cleaned)
    assert refused.value.errors == {"start_at": [f"overlaps booking {first.reference}"]}


def test_canceled_and_expired_bookings_buffers_are_free(book, cleaned, clock):
    canceled = book(at(1), at(2), on=cleaned)
    services.booking_cancel(booking=canceled, now=clock)
    book(at(3), at(4), on=cleaned, tentative_expires_at=clock + dt.timedelta(hours=1))
    later = clock + dt.timedelta(hours=2)
    book(at(2, 1), at(3, 0), on=cleaned, buffer_before=0, buffer_after=0, now=later)
    book(at(4, 1), at(5), on=cleaned, buffer_before=0, now=later)


def test_an_update_that_widens_a_buffer_into_a_neighbour_is_refused(book, rental, clock):
    first = book(at(1), at(3))
    second = book(at(3, 2), at(5))
    with pytest.raises(BookingOverlap) as refused:
        booking_update(booking=first, data={"buffer_after": 180}, now=clock)
    assert refused.value.errors == {"start_at": [f"overlaps booking {second.reference}"]}
    first.refresh_from_db()
    assert first.buffer_after == 0
    updated = booking_update(booking=first, data={"buffer_after": 120}, now=clock)
    assert updated.buffer_after == 120


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("buffer_before", -1, "must be between 0 and 10080 (minutes)"),
        ("buffer_after", 10081, "must be between 0 and 10080 (minutes)"),
        ("buffer_after", "soon", "must be an integer"),
        ("buffer_before", None, "can't be blank"),
        ("buffer_after", 1.5, "must be an integer"),
    ],
)
def test_a_bad_buffer_is_refused_naming_it_and_nothing_is_written(
    rental, clock, name, value, message
):
    data = {"start_at": iso(at(1)), "end_at": iso(at(2)), "booked": True, name: value}
    with pytest.raises(ValidationFailed) as refused:
        booking_create(rental=rental, data=data, now=clock)
    assert refused.value.errors == {name: [message]}
    assert not Booking.objects.exists()


def test_the_widest_buffers_are_accepted(book, rental):
    booking = book(at(10), at(11), buffer_before=10080, buffer_after=10080)
    assert (booking.buffer_before, booking.buffer_after) == (10080, 10080)
    with pytest.raises(BookingOverlap):
        book(at(17, 23), at(18))  # within the week after


# --- the database backstop (PostgreSQL) ----------------------------------------------


@pytest.mark.postgres
def test_the_exclusion_constraint_covers_the_occupied_period(rental):
    _insert(rental, start_at=at(1), end_at=at(3), buffer_after=180)
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        _insert(rental, start_at=at(3, 2), end_at=at(5))
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        _insert(rental, start_at=at(3, 4), end_at=at(5), buffer_before=61)
    _insert(rental, start_at=at(3, 4), end_at=at(5), buffer_before=60)  # touching
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        _insert(rental, start_at=at(0), end_at=at(0, 23), buffer_after=61)
    _insert(rental, status="canceled", start_at=at(3, 1), end_at=at(3, 2))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_constraint_alone_refuses_concurrent_overlapping_occupied_periods(
    rental, clock, monkeypatch
):
    """The rental lock switched off: only the constraint stands between 30 writers whose
    stays are disjoint but whose preparation times overlap."""
    monkeypatch.setattr(
        services, "_lock_rental", lambda pk, account_id: services.Rental.objects.get(pk=pk)
    )
    monkeypatch.setattr(services, "_ensure_free", lambda *args, **kwargs: None)

    def work(index: int):
        # Stays of one hour, 90 minutes apart, each with 60 minutes of buffer either side.
        start = at(1, 1.5 * index)
        data = {
            "start_at": iso(start),
            "end_at": iso(start + dt.timedelta(hours=1)),
            "booked": True,
            "buffer_before": 60,
            "buffer_after": 60,
        }
        return booking_create(rental=rental, data=data, now=clock)

    wins, overlaps, others = split(run_in_parallel(30, work))
    assert others == []
    assert wins and overlaps
    assert all(stopped_by_the_constraint(exc) for exc in overlaps)
    _assert_no_overlapping_occupied_periods(rental)


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_creates_overlapping_only_through_buffers_make_one(cleaned, clock):
    """Disjoint stays, all within one another's preparation time: exactly one wins."""

    def work(index: int):
        start = at(1, 10) + dt.timedelta(minutes=6 * index)
        data = {
            "start_at": iso(start),
            "end_at": iso(start + dt.timedelta(minutes=3)),
            "booked": True,
        }
        return booking_create(rental=cleaned, data=data, now=clock)

    wins, overlaps, others = split(run_in_parallel(30, work))
    assert others == []
    assert len(wins) == 1
    assert len(overlaps) == 29
    # The losers were decided by the service under the rental lock, naming the winner.
    titles = {message for exc in overlaps for message in exc.errors["start_at"]}
    assert all(wins[0].reference in title for title in titles)
    _assert_no_overlapping_occupied_periods(cleaned)


def _assert_no_overlapping_occupied_periods(rental) -> None:
    """An independent check, in Python over the stored rows."""
    rows = sorted(
        (
            b.start_at - dt.timedelta(minutes=b.buffer_before),
            b.end_at + dt.timedelta(minutes=b.buffer_after),
        )
        for b in Booking.objects.filter(rental=rental).exclude(status="canceled")
    )
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(rows))
