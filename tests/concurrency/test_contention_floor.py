"""The create benchmark's raw floors (bench/contention.py) do the work they claim.

Each floor sends one statement a row in autocommit: `raw_insert` (the INSERT behind the
rental's advisory lock) and `raw_insert_events` (the same with a create's two event
rows). A conflicting row is refused by the exclusion constraint and leaves no event; the
clean-up removes the floors' rows and events and nothing else (the benchmark runs on a
database with other bookings and events).
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connection

from bench import contention
from bookings.models import Booking
from events.models import Event
from tests.factories import make_booking

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _floor_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    )


def _period(day: int, nights: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(2031, 3, day, 16, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=nights, hours=-6)


def test_each_floor_inserts_a_free_row_and_refuses_an_overlapping_one(account, rental):
    state = {"connection": _floor_connection()}
    try:
        plain = contention._raw_insert({}, account.pk, "raw_insert")
        with_events = contention._raw_insert({}, account.pk, "raw_insert_events")

        assert plain(state, (rental.pk, *_period(1, 3))) == "accepted"
        assert with_events(state, (rental.pk, *_period(10, 2))) == "accepted"
        assert plain(state, (rental.pk, *_period(2, 1))) == "rejected"
        assert with_events(state, (rental.pk, *_period(11, 4))) == "rejected"
    finally:
        state["connection"].close()

    rows = Booking.objects.filter(source=contention.SOURCE).order_by("start_at")
    assert [(b.start_at.day, b.status) for b in rows] == [(1, "booked"), (10, "booked")]
    events = Event.objects.filter(account_id=account.pk).order_by("id")
    # Only the second floor writes events: its booking's and the rental's, one transaction.
    assert [(e.event, e.resource_type, e.resource_id) for e in events] == [
        ("booking_created", "booking", rows[1].pk),
        ("availability_updated", "rental", rental.pk),
    ]
    assert events[0].txid == events[1].txid


def test_cleanup_removes_the_floors_rows_and_events_only(account, rental):
    kept = make_booking(rental, *_period(20, 2))
    kept_events = set(Event.objects.values_list("id", flat=True))
    assert kept_events  # the service wrote its own booking_created and availability_updated
    state = {"connection": _floor_connection()}
    try:
        work = contention._raw_insert({}, account.pk, "raw_insert_events")
        assert work(state, (rental.pk, *_period(1, 3))) == "accepted"
        assert work(state, (rental.pk, *_period(5, 3))) == "accepted"
    finally:
        state["connection"].close()
    assert Event.objects.count() == len(kept_events) + 4

    assert contention._cleanup_and_count_overlaps([rental.pk]) == 0

    assert list(Booking.objects.values_list("pk", flat=True)) == [kept.pk]
    assert set(Event.objects.values_list("id", flat=True)) == kept_events
