"""Series racing single bookings on one rental, through the bridge, in real parallel
transactions (PostgreSQL: the rental row lock and the exclusion constraint; SQLite:
serialised writers). Whatever the interleaving, no two live bookings overlap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bookings.errors import BookingOverlap
from bookings.models import Booking
from core.authentication import ApiClient
from core.errors import ValidationFailed
from officernd import bridge
from officernd.api.translate import booking_input
from tests.domain.test_concurrency import run_in_parallel

pytestmark = pytest.mark.django_db(transaction=True)

DAY0 = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)
SERIES = 4
SINGLES = 12


def overlapping_pairs() -> int:
    """Counted in SQL, independently of the code under test."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_booking a
            JOIN bookings_booking b
              ON a.rental_id = b.rental_id AND a.id < b.id
             AND a.start_at < b.end_at AND b.start_at < a.end_at
            WHERE a.status <> 'canceled' AND b.status <> 'canceled'
            """
        )
        return cursor.fetchone()[0]


def _body(rental, guest, start: dt.datetime, hours: int, rrule: str | None = None) -> dict:
    body = {
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + dt.timedelta(hours=hours)).isoformat()},
        "resourceId": rental.pk,
        "member": guest.pk,
    }
    if rrule:
        body["recurrence"] = {"rrule": rrule}
    return body


def test_series_racing_single_bookings_never_leave_an_overlap(rental, guest, make_application):
    application = make_application(rental.account)
    client = ApiClient(
        account_id=rental.account_id,
        application_id=application.pk,
        scopes=frozenset({"public", "bookings_write"}),
    )

    def work(index: int):
        if index < SERIES:
            # Daily 3-hour series, each shifted by an hour: they overlap each other.
            body = _body(rental, guest, DAY0 + dt.timedelta(hours=index), 3, "FREQ=DAILY;COUNT=20")
        else:
            day = (index - SERIES) * 1.5
            body = _body(rental, guest, DAY0 + dt.timedelta(days=day, hours=1), 2)
        records, _ = bridge.bookings_create(
            client=client,
            now=DAY0 - dt.timedelta(days=7),
            bookings=[booking_input(body, creating=True)],
        )
        return len(records)

    outcomes = run_in_parallel(SERIES + SINGLES, work)
    failures = [value for kind, value in outcomes if kind != "ok"]
    assert all(isinstance(exc, (BookingOverlap, ValidationFailed)) for exc in failures), failures
    # A series is all or nothing: every winning series created its 20 occurrences.
    for index, (kind, value) in enumerate(outcomes):
        if kind == "ok":
            assert value == (20 if index < SERIES else 1)
    created = sum(value for kind, value in outcomes if kind == "ok")
    assert created >= 1
    assert Booking.objects.count() == created
    assert overlapping_pairs() == 0
