"""Issue 18 "prove it": random writers with slow commits, a poller following the documented
`updated_since` flow (with cursor pages) and one following the event feed; at the end
both pollers' views equal the database, run after run."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

import pytest
from django.db import connection

from accounts.models import Account
from bookings import services
from bookings.errors import InvalidStatusChange
from bookings.inputs import BookingInput
from bookings.models import Booking
from core.errors import DomainError
from events.actors import Actor
from events.models import Event
from rentals.models import Rental

RUNS = 20
WRITERS = 3
OPS_PER_WRITER = 12
BASE = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
ACTOR = Actor.system("random-writer")

pytestmark = pytest.mark.postgres


def _links(response) -> dict[str, str]:
    links = {}
    for part in filter(None, response["Link"].split(", ")):
        url, rel = part.split("; ")
        links[rel.removeprefix('rel="').removesuffix('"')] = url[1:-1]
    return links


def _writer(seed: int, rentals: list[Rental], done: list[int]) -> None:
    rng = random.Random(seed)
    mine: list[int] = []
    try:
        for _ in range(OPS_PER_WRITER):
            rental = rng.choice(rentals)
            op = rng.random()
            try:
                if op < 0.5 or not mine:
                    day = rng.randrange(0, 60)
                    booking = services.booking_create(
                        rental=rental,
                        booking_input=BookingInput(
                            status="booked",
                            start_at=BASE + dt.timedelta(days=day),
                            end_at=BASE + dt.timedelta(days=day + rng.randrange(1, 4)),
                        ),
                        actor=ACTOR,
                    )
                    mine.append(booking.pk)
                elif op < 0.85:
                    booking = Booking.objects.get(pk=rng.choice(mine))
                    services.booking_update(
                        booking=booking,
                        booking_input=BookingInput(adults=rng.randrange(0, 9)),
                        actor=ACTOR,
                    )
                else:
                    booking = Booking.objects.get(pk=rng.choice(mine))
                    services.booking_cancel(booking=booking, actor=ACTOR)
            except (DomainError, InvalidStatusChange):
                pass  # overlaps and canceled bookings are ordinary refusals
    finally:
        done.append(seed)
        connection.close()


def _poll_bookings(api, since: str, view: dict[int, tuple[str, Any]]) -> str:
    """One documented round: every page via `next`; returns the next `updated_since`."""
    response = api.get("/api/v3/bookings", {"updated_since": since, "per_page": 4})
    synced_at = response["X-Updated-Since-Request-Synced-At"]
    while True:
        body = response.json()
        for record in body["bookings"]:
            view[record["id"]] = (record["status"], record.get("adults"))
        for booking_id in body["meta"].get("deleted_ids", []):
            view[booking_id] = ("Canceled", view.get(booking_id, (None, None))[1])
        next_url = _links(response).get("next")
        if not next_url:
            return synced_at
        response = api.get(next_url)


def _poll_events(api, cursor: str, seen: list[int]) -> str:
    while True:
        body = api.get("/api/v3/events", {"after": cursor, "per_page": 5}).json()
        seen.extend(event["id"] for event in body["events"])
        if not body["events"]:
            return cursor
        cursor = body["meta"]["next_cursor"]


def test_pollers_following_the_documented_flows_end_equal_to_the_database(
    transactional_db, make_api, monkeypatch
):
    real_record = services.events_record

    def slow_commit(**kwargs: Any) -> int:
        written = real_record(**kwargs)
        time.sleep(random.random() * 0.03)  # a writer slow to commit after its stamp
        return written

    monkeypatch.setattr(services, "events_record", slow_commit)
    for run in range(RUNS):
        account = Account.objects.create(name=f"Run {run}")
        rentals = [Rental.objects.create(account=account, name=f"R{i}") for i in range(2)]
        api = make_api(account)
        done: list[int] = []
        threads = [
            threading.Thread(target=_writer, args=(run * 100 + i, rentals, done))
            for i in range(WRITERS)
        ]
        for thread in threads:
            thread.start()
        view: dict[int, tuple[str, Any]] = {}
        seen_events: list[int] = []
        since, cursor = "2020-01-01", "0"
        while len(done) < WRITERS:
            since = _poll_bookings(api, since, view)
            cursor = _poll_events(api, cursor, seen_events)
        for thread in threads:
            thread.join(timeout=60)
        since = _poll_bookings(api, since, view)
        expected_events = set(Event.objects.filter(account=account).values_list("id", flat=True))
        # The feed serves a transaction's events once every older transaction on the
        # server has ended (other databases' included): they come, if a moment later.
        deadline = time.monotonic() + 120
        cursor = _poll_events(api, cursor, seen_events)
        while set(seen_events) != expected_events and time.monotonic() < deadline:
            time.sleep(0.2)
            cursor = _poll_events(api, cursor, seen_events)

        truth = {
            b.pk: (Booking.Status(b.status).label, b.adults)
            for b in Booking.objects.filter(account=account)
        }
        assert view == truth, f"run {run}"
        assert set(seen_events) == expected_events, f"run {run}"
        assert len(seen_events) == len(expected_events), f"run {run}: an event served twice"
