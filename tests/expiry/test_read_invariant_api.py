"""DESIGN §3/§5 through the API: an expired hold the sweep has not reached yet is already
canceled for every reader and writer; the sweep only makes it explicit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from bookings.services import tentative_bookings_expire
from events.models import Event
from tests.expiry.conftest import iso

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [b["id"] for b in response.json()["bookings"]]


def _period(booking: Booking) -> dict[str, str]:
    return {"start_at": iso(booking.start_at), "end_at": iso(booking.end_at)}


def test_an_unswept_expired_hold_reads_as_canceled(api, make_booking):
    hold = make_booking(expires_in=-HOUR)
    assert Booking.objects.get(pk=hold.pk).status == Booking.Status.TENTATIVE  # not swept

    response = api.get(f"/api/v3/bookings/{hold.pk}")
    assert response.status_code == 200, response.content
    shown = response.json()["bookings"][0]
    assert shown["status"] == "Canceled"
    assert shown["canceled_at"] == iso(hold.tentative_expires_at)
    assert shown["cancelation_reason"] == "tentative_expired"

    assert hold.pk not in _ids(api.get("/api/v3/bookings?status=tentative"))
    assert hold.pk not in _ids(api.get("/api/v3/bookings"))
    listed = api.get("/api/v3/bookings?include_canceled=true")
    assert hold.pk in _ids(listed)
    assert {b["id"]: b["status"] for b in listed.json()["bookings"]}[hold.pk] == "Canceled"


def test_a_live_hold_reads_as_tentative_and_blocks_its_period(api, rental, make_booking):
    """The contrast: the same request against a hold that has not expired."""
    hold = make_booking(expires_in=HOUR)
    assert hold.pk in _ids(api.get("/api/v3/bookings?status=tentative"))

    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {"bookings": [{**_period(hold), "booked": True}]},
        format="json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "start_at"


def test_an_unswept_expired_hold_does_not_block_a_new_booking(api, rental, make_booking):
    hold = make_booking(expires_in=-HOUR)

    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {"bookings": [{**_period(hold), "booked": True}]},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["bookings"][0]["status"] == "Booked"
    # The write canceled the expired hold in its own transaction, as the sweep would have.
    released = Booking.objects.get(pk=hold.pk)
    assert released.status == Booking.Status.CANCELED
    assert released.canceled_at == hold.tentative_expires_at
    assert released.cancelation_reason == Booking.CancelationReason.TENTATIVE_EXPIRED


def test_updated_since_clients_see_an_expired_hold_as_deleted_before_and_after_the_sweep(
    api, make_booking
):
    """The cancelation counts from the hold's expiry, swept or not; the sweep's `updated_at`
    bump also lists the row (now Canceled) for clients that synced after that."""
    hold = make_booking(expires_in=-HOUR)
    before_expiry = iso(hold.tentative_expires_at - HOUR)
    before_sweep = iso(timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5))

    def sync(since: str) -> dict:
        response = api.get(f"/api/v3/bookings?updated_since={since}")
        assert response.status_code == 200, response.content
        return response.json()

    assert hold.pk in sync(before_expiry)["meta"]["deleted_ids"]
    assert hold.pk not in [b["id"] for b in sync(before_sweep)["bookings"]]

    assert tentative_bookings_expire() == 1

    assert hold.pk in sync(before_expiry)["meta"]["deleted_ids"]
    listed = {b["id"]: b for b in sync(before_sweep)["bookings"]}
    assert listed[hold.pk]["status"] == "Canceled"
    assert listed[hold.pk]["canceled_at"] == iso(hold.tentative_expires_at)


def test_a_write_releases_only_the_expired_holds_in_its_way(api, rental, make_booking):
    """Expired holds elsewhere on the rental already read as canceled and are left to the
    sweep; the one in the way is canceled by the write, with its event."""
    in_the_way = make_booking(expires_in=-HOUR)
    elsewhere = make_booking(expires_in=-HOUR)

    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {"bookings": [{**_period(in_the_way), "booked": True}]},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Booking.objects.get(pk=in_the_way.pk).status == Booking.Status.CANCELED
    assert Booking.objects.get(pk=elsewhere.pk).status == Booking.Status.TENTATIVE
    released = Event.objects.filter(event="booking_destroyed", resource_id=in_the_way.pk)
    assert [e.actor for e in released] == [{"type": "system", "name": "tentative_expiry"}]
    assert not Event.objects.filter(event="booking_destroyed", resource_id=elsewhere.pk).exists()
    assert tentative_bookings_expire() == 1  # the sweep takes the other one


def test_a_create_with_nothing_in_its_way_sends_five_statements_and_its_event(
    api, rental, make_booking
):
    """DESIGN §3 with the fewest round trips (docs/performance.md lists them): lock (by
    account and id: also the tenant check), clock, overlap, slots, insert, event."""
    make_booking(expires_in=-HOUR)  # an expired hold elsewhere costs nothing
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=60)
    body = {"bookings": [{"start_at": iso(start), "end_at": iso(start + HOUR), "booked": True}]}
    api.get("/api/v3/bookings")  # the token is known
    with CaptureQueriesContext(connection) as queries:
        response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
        and "oauth2_provider" not in q["sql"]  # the token: cached per process in production
    ]
    # SQLite serialises writers with BEGIN IMMEDIATE and reads the clock in Python.
    postgres = connection.vendor == "postgresql"
    expected = [
        ("SELECT", "rentals_rental", " FOR UPDATE" if postgres else ""),
        *([("SELECT", "clock_timestamp()", "")] if postgres else []),
        ("SELECT", "bookings_booking", ""),
        ("SELECT", "slots_slot", ""),
        ("INSERT", "bookings_booking", ""),
        ("INSERT", "events_event", ""),
    ]
    assert len(statements) == len(expected), [sql[:120] for sql in statements]
    for sql, (verb, table, tail) in zip(statements, expected, strict=True):
        assert sql.startswith(verb) and table in sql and tail in sql, sql[:200]
