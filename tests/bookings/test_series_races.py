"""Series racing single bookings on one rental through the services, in real parallel
threads (PostgreSQL: the rental row lock, with the exclusion constraint behind it; SQLite:
serialised writers). Buffers make occupied periods overlap where the stays do not.
Whatever the interleaving: no 500-type error, a series is all or nothing (fail) or
exactly its free occurrences (skip), and an independent SQL query finds no two blocking
occupied periods overlapping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bookings import services
from bookings.inputs import SeriesInput, booking_input_from_wire
from bookings.models import Booking, BookingSeries
from core.errors import ValidationFailed
from tests.domain.test_concurrency import run_in_parallel
from tests.factories import iso

pytestmark = pytest.mark.django_db(transaction=True)

DAY0 = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)
SERIES = 4
SINGLES = 12
COUNT = 15

OCCUPIED = {
    "postgresql": (
        "{t}.start_at - make_interval(mins => {t}.buffer_before)",
        "{t}.end_at + make_interval(mins => {t}.buffer_after)",
    ),
    "sqlite": (
        "datetime({t}.start_at, '-' || {t}.buffer_before || ' minutes')",
        "datetime({t}.end_at, '+' || {t}.buffer_after || ' minutes')",
    ),
}


def overlapping_occupied_periods() -> list[tuple[int, int]]:
    """Pairs of blocking bookings whose occupied periods overlap, found in SQL alone."""
    start, end = OCCUPIED[connection.vendor]
    sql = f"""
        SELECT a.id, b.id FROM bookings_booking a
        JOIN bookings_booking b ON a.rental_id = b.rental_id AND a.id < b.id
        WHERE a.status IN ('booked', 'unavailable') AND b.status IN ('booked', 'unavailable')
          AND {start.format(t="a")} < {end.format(t="b")}
          AND {start.format(t="b")} < {end.format(t="a")}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_series_racing_single_bookings_leave_no_overlapping_occupied_periods(rental):
    def work(index: int):
        if index < SERIES:
            # Daily 2-hour series with an hour of preparation after, each shifted by an
            # hour: their stays meet only through the buffers of the one before.
            start = DAY0 + dt.timedelta(hours=2 * index)
            body = {
                "booked": True,
                "start_at": iso(start),
                "end_at": iso(start + dt.timedelta(hours=2)),
                "buffer_after": 60,
            }
            created = services.booking_series_create(
                rental=rental,
                booking_input=booking_input_from_wire(body, creating=True, nested=True),
                series_input=SeriesInput(
                    rrule=f"FREQ=DAILY;COUNT={COUNT}",
                    on_conflict="skip" if index % 2 else "fail",
                ),
                now=DAY0 - dt.timedelta(days=7),
            )
            return ("series", index, len(created.bookings), len(created.skipped))
        start = DAY0 + dt.timedelta(days=(index - SERIES) * 1.2, hours=2)
        body = {
            "booked": True,
            "start_at": iso(start),
            "end_at": iso(start + dt.timedelta(minutes=90)),
            "buffer_before": 30,
        }
        services.booking_create(
            rental=rental,
            booking_input=booking_input_from_wire(body, creating=True, nested=True),
            now=DAY0 - dt.timedelta(days=7),
        )
        return ("single", index, 1, 0)

    outcomes = run_in_parallel(SERIES + SINGLES, work)
    failures = [value for kind, value in outcomes if kind != "ok"]
    assert all(isinstance(exc, ValidationFailed) for exc in failures), failures
    wins = [value for kind, value in outcomes if kind == "ok"]
    assert wins
    for kind, index, created, skipped in wins:
        if kind == "series":
            assert created + skipped == COUNT
            if index % 2 == 0:  # on_conflict fail: all or nothing
                assert (created, skipped) == (COUNT, 0)
    assert Booking.objects.count() == sum(created for _, _, created, _ in wins)
    assert BookingSeries.objects.count() == sum(1 for kind, *_ in wins if kind == "series")
    assert overlapping_occupied_periods() == []
