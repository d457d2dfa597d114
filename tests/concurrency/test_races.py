"""Issue 18: the races around the overlap guarantee, each forced deterministically (a
second PostgreSQL connection holds a row lock, or a service is paused mid-transaction)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings import services
from bookings.errors import InvalidStatusChange
from bookings.inputs import BookingInput, ClientInput, FeeInput
from bookings.models import Booking, Client
from core.errors import ValidationFailed
from events.actors import Actor
from rentals.inputs import RentalInput
from rentals.models import Rental
from rentals.services import rental_delete, rental_update
from tests.api.conftest import wrap
from tests.factories import make_booking

ACTOR = Actor.system("test")


def _dsn() -> str:
    settings = connection.settings_dict
    return (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER']} dbname={settings['NAME']}"
    )


class RowLock:
    """A second connection holding `SELECT … FOR UPDATE` on one row until released."""

    def __init__(self, table: str, row_id: int) -> None:
        self.conn = psycopg.connect(_dsn(), autocommit=False)
        self.conn.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [row_id])

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # the test inspects every failure
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def wait_until_blocked(thread: threading.Thread, seconds: float = 1.0) -> None:
    """Give the thread time to reach the lock it will wait on."""
    thread.join(timeout=seconds)
    assert thread.is_alive(), "the writer did not wait on the lock"


# --- 1. incremental sync ---------------------------------------------------------------


@pytest.mark.postgres
def test_a_write_that_waited_on_the_rental_lock_is_seen_by_the_next_poll(
    transactional_db, api, rental
):
    lock = RowLock("rentals_rental", rental.pk)
    body = wrap("bookings", start_at="2030-07-02", end_at="2030-07-04", booked=True)
    thread, outcome = in_thread(
        lambda: api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    )
    try:
        wait_until_blocked(thread)
        poll = api.get("/api/v3/bookings", {"updated_since": "2020-01-01"})
        synced_at = poll["X-Updated-Since-Request-Synced-At"]
    finally:
        lock.release()
    thread.join(timeout=30)
    assert outcome["result"].status_code == 201, outcome
    created = outcome["result"].json()["bookings"][0]["id"]
    later = api.get("/api/v3/bookings", {"updated_since": synced_at})
    assert created in [record["id"] for record in later.json()["bookings"]]


@pytest.mark.postgres
def test_a_cancel_that_waited_on_the_rental_lock_is_in_the_next_polls_deleted_ids(
    transactional_db, api, rental
):
    booking = make_booking(
        rental, dt.datetime(2030, 7, 2, tzinfo=dt.UTC), dt.datetime(2030, 7, 4, tzinfo=dt.UTC)
    )
    lock = RowLock("rentals_rental", rental.pk)
    thread, outcome = in_thread(lambda: api.delete(f"/api/v3/bookings/{booking.pk}"))
    try:
        wait_until_blocked(thread)
        synced_at = api.get("/api/v3/bookings", {"updated_since": "2020-01-01"})[
            "X-Updated-Since-Request-Synced-At"
        ]
    finally:
        lock.release()
    thread.join(timeout=30)
    assert outcome["result"].status_code == 204
    later = api.get("/api/v3/bookings", {"updated_since": synced_at}).json()
    assert booking.pk in later["meta"]["deleted_ids"]


def test_updated_since_pages_by_cursor_so_an_update_between_pages_loses_nothing(api, rental):
    a, b, c = (
        make_booking(
            rental,
            dt.datetime(2030, 7, day, tzinfo=dt.UTC),
            dt.datetime(2030, 7, day + 1, tzinfo=dt.UTC),
        )
        for day in (1, 3, 5)
    )
    first = api.get("/api/v3/bookings", {"updated_since": "2020-01-01", "per_page": 2})
    assert [r["id"] for r in first.json()["bookings"]] == [a.pk, b.pk]
    api.patch(f"/api/v3/bookings/{a.pk}", wrap("bookings", adults=2), format="json")
    links = {
        part.split("; ")[1].removeprefix('rel="').removesuffix('"'): part.split("; ")[0][1:-1]
        for part in first["Link"].split(", ")
    }
    second = api.get(links["next"])
    assert [r["id"] for r in second.json()["bookings"]] == [c.pk, a.pk]


# --- 2. an expired hold stays expired ----------------------------------------------------


@pytest.mark.postgres
def test_a_confirm_that_waited_past_the_holds_expiry_is_refused(transactional_db, rental):
    hold = make_booking(
        rental,
        dt.datetime(2030, 7, 2, tzinfo=dt.UTC),
        dt.datetime(2030, 7, 4, tzinfo=dt.UTC),
        tentative_expires_at=timezone.now() + dt.timedelta(seconds=1.5),
    )
    lock = RowLock("rentals_rental", rental.pk)
    thread, outcome = in_thread(
        lambda: services.booking_update(
            booking=hold, booking_input=BookingInput(status="booked"), actor=ACTOR
        )
    )
    try:
        wait_until_blocked(thread)
        time.sleep(1.0)  # past the expiry, still holding the lock
    finally:
        lock.release()
    thread.join(timeout=30)
    assert isinstance(outcome.get("error"), InvalidStatusChange), outcome
    hold.refresh_from_db()
    assert hold.status_at() == "canceled"  # as every read has shown it since the expiry


# --- 3. one lock order ----------------------------------------------------------------


def _locks(work: Callable[[], Any]) -> list[str]:
    """The rows a write locks, in order: `rental`, or `booking` when only the booking
    row is locked (`FOR UPDATE OF`, never its joined rental)."""
    with CaptureQueriesContext(connection) as queries:
        work()
    order = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if "FOR UPDATE" not in sql:
            continue
        if sql.split(" FROM ")[1].startswith('"rentals_rental"'):
            order.append("rental")
        else:
            assert 'FOR UPDATE OF "bookings_booking"' in sql, sql
            order.append("booking")
    return order


@pytest.mark.postgres
def test_every_booking_write_locks_the_rental_then_only_the_booking_row(db, rental):
    booking = make_booking(
        rental, dt.datetime(2030, 7, 2, tzinfo=dt.UTC), dt.datetime(2030, 7, 4, tzinfo=dt.UTC)
    )
    fee_holder: dict[str, Any] = {}
    paths: dict[str, Callable[[], Any]] = {
        "create": lambda: make_booking(
            rental, dt.datetime(2030, 8, 2, tzinfo=dt.UTC), dt.datetime(2030, 8, 4, tzinfo=dt.UTC)
        ),
        "update": lambda: services.booking_update(
            booking=booking, booking_input=BookingInput(adults=1), actor=ACTOR
        ),
        "add_fee": lambda: fee_holder.setdefault(
            "fee",
            services.booking_add_fee(
                booking=booking, fee=FeeInput(name="Linen", price=5), actor=ACTOR
            ),
        ),
        "remove_fee": lambda: services.booking_remove_fee(
            booking=booking, fee_id=fee_holder["fee"].pk, actor=ACTOR
        ),
        "comment": lambda: services.booking_add_comment(
            booking=booking, content="hello", actor=ACTOR
        ),
        "cancel": lambda: services.booking_cancel(booking=booking, actor=ACTOR),
    }
    for name, work in paths.items():
        order = _locks(work)
        expected = ["rental"] if name == "create" else ["rental", "booking"]
        assert order == expected, name


@pytest.mark.postgres
def test_a_fee_added_while_a_cancel_waits_never_deadlocks(transactional_db, rental):
    booking = make_booking(
        rental, dt.datetime(2030, 7, 2, tzinfo=dt.UTC), dt.datetime(2030, 7, 4, tzinfo=dt.UTC)
    )
    lock = RowLock("bookings_booking", booking.pk)  # as a writer holding the booking row
    adder, added = in_thread(
        lambda: services.booking_add_fee(
            booking=booking, fee=FeeInput(name="Linen", price=5), actor=ACTOR
        )
    )
    wait_until_blocked(adder)
    canceler, canceled = in_thread(lambda: services.booking_cancel(booking=booking, actor=ACTOR))
    wait_until_blocked(canceler, 0.5)
    lock.release()
    adder.join(timeout=30)
    canceler.join(timeout=30)
    outcomes = [added.get("error"), canceled.get("error")]
    assert all(e is None or isinstance(e, InvalidStatusChange) for e in outcomes), outcomes


# --- 4. no lost field on concurrent edits ----------------------------------------------


def test_a_rental_edit_from_a_stale_read_keeps_a_field_changed_meanwhile(db, rental):
    stale = Rental.objects.get(pk=rental.pk)
    rental_update(rental=rental, rental_input=RentalInput.of(name="Renamed"), actor=ACTOR)
    rental_update(rental=stale, rental_input=RentalInput.of(city="Nice"), actor=ACTOR)
    rental.refresh_from_db()
    assert (rental.name, rental.city) == ("Renamed", "Nice")


def test_a_client_edit_from_a_stale_read_keeps_a_field_changed_meanwhile(db, guest):
    stale = Client.objects.get(pk=guest.pk)
    services.client_update(client=guest, client_input=ClientInput(notes="VIP"), actor=ACTOR)
    services.client_update(client=stale, client_input=ClientInput(firstname="Ada"), actor=ACTOR)
    guest.refresh_from_db()
    assert (guest.notes, guest.firstname) == ("VIP", "Ada")


# --- 5. smaller races ---------------------------------------------------------------------


@pytest.mark.postgres
def test_deleting_a_rental_while_a_booking_is_created_on_it_is_a_422_not_a_500(
    transactional_db, rental, monkeypatch
):
    inside = threading.Event()
    go_on = threading.Event()
    real_record = services.events_record

    def paused_record(**kwargs: Any) -> int:
        inside.set()
        go_on.wait(timeout=30)
        return real_record(**kwargs)

    monkeypatch.setattr(services, "events_record", paused_record)
    creator, created = in_thread(
        lambda: make_booking(
            rental, dt.datetime(2030, 7, 2, tzinfo=dt.UTC), dt.datetime(2030, 7, 4, tzinfo=dt.UTC)
        )
    )
    assert inside.wait(timeout=30)
    deleter, deleted = in_thread(lambda: rental_delete(rental=rental, actor=ACTOR))
    wait_until_blocked(deleter, 0.5)
    go_on.set()
    creator.join(timeout=30)
    deleter.join(timeout=30)
    assert "error" not in created, created
    assert isinstance(deleted.get("error"), ValidationFailed), deleted
    assert Rental.objects.filter(pk=rental.pk).exists()


def test_a_bare_date_uses_the_locked_rentals_zone_not_the_callers_copy(db, rental):
    stale = Rental.objects.get(pk=rental.pk)  # Europe/Paris, EUR
    rental_update(
        rental=rental,
        rental_input=RentalInput.of(timezone="Asia/Tokyo", currency="JPY"),
        actor=ACTOR,
    )
    booking = services.booking_create(
        rental=stale,
        booking_input=BookingInput(
            status="booked", start_at=dt.date(2030, 7, 2), end_at=dt.date(2030, 7, 4)
        ),
        actor=ACTOR,
    )
    assert booking.currency == "JPY"
    assert booking.start_at == dt.datetime(2030, 7, 2, 7, tzinfo=dt.UTC)  # 16:00 in Tokyo


# --- 6. one truth of time -------------------------------------------------------------


def test_fractions_of_a_second_are_cut_on_input_so_what_is_shown_is_what_blocks(api, rental):
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap(
            "bookings",
            start_at="2030-07-02T10:00:00Z",
            end_at="2030-07-04T10:00:00.5Z",
            booked=True,
        ),
        format="json",
    )
    record = response.json()["bookings"][0]
    assert record["end_at"] == "2030-07-04T10:00:00Z"
    after = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap("bookings", start_at=record["end_at"], end_at="2030-07-05T10:00:00Z", booked=True),
        format="json",
    )
    assert after.status_code == 201, after.json()
    assert Booking.objects.get(pk=record["id"]).end_at.microsecond == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"checkin_time": "16:00:30"},
        {"checkout_time": "16:00+02:00"},
        {"timezone": "localtime"},
        {"timezone": "Factory"},
    ],
)
def test_rental_times_are_hh_mm_and_zones_canonical_iana_names(api, fields):
    response = api.post("/api/v3/rentals", wrap("rentals", name="Loft", **fields), format="json")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == set(fields)
