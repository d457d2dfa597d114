"""DESIGN §7: every write-path query that selects by rental also filters by `account_id`,
and so does every statement on the tables that gained `account_id` for distribution, so a
database sharded by account (Citus, docs/scaling.md) routes it to one shard.

Each scenario runs real write paths (the v3 and Overbooked APIs through Django's full
stack, and the services the workers and the admin call) and captures their SQL with
`CaptureQueriesContext`; an execute wrapper notes which line of project code issued each
statement. A statement "selects by rental" when its WHERE clause constrains a `rental_id`
column or the rentals table's `id`; it must then also constrain `account_id`. A statement
other than an INSERT that reads or writes one of ACCOUNT_TABLES (by parent, by id, or at
all) must constrain `account_id` too. A failure lists every offender with its SQL and the
code line that ran it.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import api_key_create
from bookings.services import tentative_bookings_expire
from calendars import services as calendar_services
from calendars.importer import feed_sync
from events.actors import Actor
from rentals.inputs import RentalInput
from rentals.services import rental_delete, rental_update
from slots import services as slot_services
from tests import factories
from tests.api.conftest import wrap
from tests.calendars.feed_server import FeedServer, Reply, airbnb_feed
from tests.factories import iso
from webhooks import services as webhook_services
from webhooks.delivery import post as webhook_post

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ACTOR = Actor.system("test")
OB = "/api/overbooked/v1"

_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_BY_RENTAL = re.compile(
    r'(?:"rentals_rental"\."id"|"rental_id"|\brental_id\b)\s*(?:=|IN\b)', re.IGNORECASE
)
_BY_ACCOUNT = re.compile(r'(?:"account_id"|\baccount_id\b)\s*(?:=|IN\b)', re.IGNORECASE)
_SKIP = ("INSERT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ")
# The tables that gained account_id (and account-first unique constraints) to be
# distributed: docs/scaling.md, "Distribution DDL".
ACCOUNT_TABLES = (
    "calendars_calendarexport",
    "calendars_feedentry",
    "idempotency_idempotencykey",
    "payments_bookingspayment",
    "webhooks_attempt",
    "webhooks_delivery",
)
_ON_ACCOUNT_TABLE = re.compile(
    r'\b(?:FROM|JOIN|UPDATE)\s+"?(?:' + "|".join(ACCOUNT_TABLES) + r")\b", re.IGNORECASE
)


def selects_by_rental_without_account(sql: str) -> bool:
    if sql.lstrip().upper().startswith(_SKIP):
        return False
    match = _WHERE.search(sql)
    if match is None:
        return False
    where = sql[match.end() :]
    return bool(_BY_RENTAL.search(where)) and not _BY_ACCOUNT.search(where)


def touches_account_table_without_account(sql: str) -> bool:
    """A statement (not an INSERT) on one of ACCOUNT_TABLES whose WHERE clause does not
    constrain account_id, or that has none."""
    if sql.lstrip().upper().startswith(_SKIP) or not _ON_ACCOUNT_TABLE.search(sql):
        return False
    match = _WHERE.search(sql)
    return match is None or not _BY_ACCOUNT.search(sql[match.end() :])


def unrouted(sql: str) -> bool:
    return selects_by_rental_without_account(sql) or touches_account_table_without_account(sql)


@dataclass
class Offender:
    scenario: str
    origin: str
    sql: str

    @property
    def line(self) -> str:
        return self.origin.split(" <- ")[0]

    def __str__(self) -> str:
        head = self.sql[:60]
        match = _WHERE.search(self.sql)
        where = f" … WHERE{self.sql[match.end() :][:400]}" if match else " (no WHERE)"
        return f"[{self.scenario}] {self.origin}\n    {head}{where}"


def _origin() -> str:
    """The innermost lines of project code (not tests, not libraries) on the stack."""
    lines = [
        f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_stack()
        if frame.filename.startswith(str(ROOT))
        and "/.venv/" not in frame.filename
        and not frame.filename.startswith(str(ROOT / "tests"))
    ]
    return " <- ".join(reversed(lines[-3:])) or "(test code)"


@contextmanager
def capture(scenario: str, found: list[Offender]) -> Iterator[None]:
    origins: list[str] = []

    def note(execute, sql, params, many, context):
        origins.append(_origin())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note), CaptureQueriesContext(connection) as queries:
        yield
    captured = [query["sql"] for query in queries.captured_queries]
    assert len(captured) == len(origins)
    found.extend(
        Offender(scenario, origin, sql)
        for sql, origin in zip(captured, origins, strict=True)
        if unrouted(sql)
    )


def test_the_check_tells_routed_from_unrouted_statements():
    routed = (
        'SELECT 1 FROM "bookings_booking" WHERE ("bookings_booking"."account_id" = 3 '
        'AND "bookings_booking"."rental_id" = 7)'
    )
    unrouted = 'SELECT * FROM "rentals_rental" WHERE "rentals_rental"."id" = 7 FOR UPDATE'
    unrouted_raw = "UPDATE bookings_booking SET notes = '' WHERE rental_id = %s"
    joined_only = (
        'SELECT 1 FROM "bookings_booking" INNER JOIN "rentals_rental" ON '
        '("bookings_booking"."rental_id" = "rentals_rental"."id") WHERE "bookings_booking"."id" = 1'
    )
    assert not selects_by_rental_without_account(routed)
    assert selects_by_rental_without_account(unrouted)
    assert selects_by_rental_without_account(unrouted_raw)
    assert not selects_by_rental_without_account(joined_only)
    assert not selects_by_rental_without_account(
        'INSERT INTO "bookings_booking" ("rental_id") VALUES (7)'
    )


def test_the_check_tells_account_table_statements_that_name_the_account():
    routed = (
        'UPDATE "webhooks_delivery" SET "status" = \'failed\' WHERE '
        '("webhooks_delivery"."account_id" = 3 AND "webhooks_delivery"."subscription_id" = 9)'
    )
    by_parent = 'DELETE FROM "calendars_feedentry" WHERE "calendars_feedentry"."feed_id" IN (4)'
    by_id = "UPDATE idempotency_idempotencykey SET response_status = 201 WHERE id = 5"
    unfiltered = 'SELECT "webhooks_attempt"."id" FROM "webhooks_attempt"'
    joined = (
        'SELECT 1 FROM "payments_payment" INNER JOIN "payments_bookingspayment" ON '
        '("payments_payment"."id" = "payments_bookingspayment"."payment_id") '
        'WHERE "payments_payment"."id" = 2'
    )
    other_table = 'SELECT 1 FROM "webhooks_subscription" WHERE "id" = 1'
    assert not touches_account_table_without_account(routed)
    assert touches_account_table_without_account(by_parent)
    assert touches_account_table_without_account(by_id)
    assert touches_account_table_without_account(unfiltered)
    assert touches_account_table_without_account(joined)
    assert not touches_account_table_without_account(other_table)
    assert not touches_account_table_without_account(
        'INSERT INTO "webhooks_attempt" ("account_id", "delivery_id") VALUES (3, 8)'
    )


# --- the write paths --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def day() -> Callable[[int], dt.datetime]:
    base = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return lambda n: base + dt.timedelta(days=n)


def _v3_bookings(api, rental, day, found):
    with capture("v3 create", found):
        body = wrap("bookings", start_at=iso(day(10)), end_at=iso(day(12)), booked=True)
        response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
        assert response.status_code == 201, response.content
    booking_id = response.json()["bookings"][0]["id"]
    with capture("v3 refused create (overlap)", found):
        body = wrap("bookings", start_at=iso(day(11)), end_at=iso(day(13)), booked=True)
        response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
        assert response.status_code == 422, response.content
    with capture("v3 update (new dates)", found):
        body = wrap("bookings", start_at=iso(day(14)), end_at=iso(day(16)))
        response = api.patch(f"/api/v3/bookings/{booking_id}", body, format="json")
        assert response.status_code == 200, response.content
    with capture("v3 cancel", found):
        assert api.delete(f"/api/v3/bookings/{booking_id}").status_code == 204
    # A write over an expired hold cancels the hold in its own transaction first.
    now = timezone.now()
    factories.booking_create(
        rental=rental,
        data={
            "start_at": iso(day(20)),
            "end_at": iso(day(22)),
            "tentative_expires_at": iso(now - dt.timedelta(hours=1)),
        },
        now=now - dt.timedelta(days=7),
    )
    with capture("v3 create over an expired hold", found):
        body = wrap("bookings", start_at=iso(day(20)), end_at=iso(day(22)), booked=True)
        response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
        assert response.status_code == 201, response.content
    factories.booking_create(
        rental=rental,
        data={
            "start_at": iso(day(30)),
            "end_at": iso(day(31)),
            "tentative_expires_at": iso(now - dt.timedelta(hours=1)),
        },
        now=now - dt.timedelta(days=7),
    )
    with capture("tentative sweep", found):
        assert tentative_bookings_expire() == 1


def _overbooked(account, rental, day, found):
    from rest_framework.test import APIClient

    clients = {}
    for kind in ("secret", "public"):
        _, key = api_key_create(account=account, kind=kind)
        clients[kind] = APIClient()
        clients[kind].credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    secret, public = clients["secret"], clients["public"]

    with capture("overbooked resource create, publish, update", found):
        created = secret.post(
            f"{OB}/resources", {"name": "Room R", "timezone": "UTC"}, format="json"
        )
        assert created.status_code == 200, created.content
        resource = created.json()["data"]["id"]
        assert secret.post(f"{OB}/resources/{resource}/publish").status_code == 200
        response = secret.patch(f"{OB}/resources/{resource}", {"name": "Room S"}, format="json")
        assert response.status_code == 200, response.content
        assert secret.post(f"{OB}/resources/{resource}/convert-draft").status_code == 200
    with capture("overbooked resource delete (with a slot)", found):
        start = day(90)
        body = {
            "resource_id": resource,
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(hours=1)).isoformat(),
        }
        assert secret.post(f"{OB}/slots", body, format="json").status_code == 200
        assert secret.delete(f"{OB}/resources/{resource}").status_code == 200

    def slot_body(n: int, **fields):
        start = day(40) + dt.timedelta(hours=2 * n)
        return {
            "resource_id": str(rental.public_id),
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(hours=1)).isoformat(),
            "capacity": 2,
            **fields,
        }

    slots = []
    for n in range(2):
        with capture("overbooked slot create", found):
            response = secret.post(f"{OB}/slots", slot_body(n), format="json")
            assert response.status_code == 200, response.content
        data = response.json()["data"]
        slots.append(data[0] if isinstance(data, list) else data)
    first, second = slots
    with capture("overbooked slot update", found):
        response = secret.patch(f"{OB}/slots/{first['id']}", {"capacity": 3}, format="json")
        assert response.status_code == 200, response.content
    until = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    with capture("overbooked slot lock and unlock", found):
        response = secret.post(
            f"{OB}/slots/{first['id']}/lock", {"lock_until": until, "lock_key": "k"}, format="json"
        )
        assert response.status_code == 200, response.content
        response = secret.post(f"{OB}/slots/{first['id']}/unlock", {"lock_key": "k"}, format="json")
        assert response.status_code == 200, response.content
    with capture("overbooked slot booking", found):
        response = public.post(f"{OB}/bookings", {"slot_id": first["id"]}, format="json")
        assert response.status_code == 200, response.content
    booking = response.json()["data"]["id"]
    with capture("overbooked reschedule", found):
        response = public.post(
            f"{OB}/bookings/{booking}/reschedule", {"target_slot_id": second["id"]}, format="json"
        )
        assert response.status_code == 200, response.content
    with capture("overbooked cancel and enable", found):
        assert public.post(f"{OB}/bookings/{booking}/cancel").status_code == 200
        assert public.post(f"{OB}/bookings/{booking}/enable").status_code == 200
    with capture("overbooked booking delete", found):
        assert secret.delete(f"{OB}/bookings/{booking}").status_code == 200
    with capture("overbooked slot disable and delete", found):
        assert secret.post(f"{OB}/slots/{first['id']}/disable").status_code == 200
        assert secret.delete(f"{OB}/slots/{first['id']}").status_code == 200


def _slot_services(rental, day, found):
    with capture("slot services: create, claim", found):
        slot = slot_services.slot_create(
            rental=rental, start_at=day(60), end_at=day(60) + dt.timedelta(hours=1), actor=ACTOR
        )
    with capture("slot services: update times", found):
        slot_services.slot_update(
            slot=slot,
            start_at=day(61),
            end_at=day(61) + dt.timedelta(hours=1),
            actor=ACTOR,
        )


def _rentals_and_calendars(account, make_rental, day, found, settings):
    rental = make_rental(account, name="Routing calendar")
    with capture("rental update", found):
        rental_update(rental=rental, rental_input=RentalInput({"headline": "New"}), actor=ACTOR)
    with capture("calendar export token", found):
        calendar_services.export_token_regenerate(rental=rental)
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with FeedServer() as server:
        with capture("calendar feed create", found):
            feed = calendar_services.calendar_feed_create(rental=rental, name="Air", url=server.url)
        today = timezone.now().date()
        ymd = lambda n: (today + dt.timedelta(days=n)).strftime("%Y%m%d")  # noqa: E731
        server.reply = Reply(
            body=airbnb_feed(("a1@x", ymd(70), ymd(72)), ("a2@x", ymd(80), ymd(82)))
        )
        with capture("calendar feed import", found):
            assert feed_sync(feed=feed, now=timezone.now()).created == 2
        server.reply = Reply(body=airbnb_feed(("a1@x", ymd(71), ymd(73))))
        with capture("calendar feed re-import (move, cancel)", found):
            feed_sync(feed=feed, now=timezone.now())
        with capture("calendar feed update and delete", found):
            calendar_services.calendar_feed_update(feed=feed, name="Air 2", url=server.url + "x")
            calendar_services.calendar_feed_delete(feed=feed)
    empty = make_rental(account, name="Routing empty")
    with capture("rental delete", found):
        rental_delete(rental=empty, actor=ACTOR)


def _webhooks(account, rental, day, found, settings):
    from pytest_httpserver import HTTPServer

    from webhooks.models import Delivery

    settings.WEBHOOKS_ALLOW_PRIVATE = settings.WEBHOOKS_ALLOW_HTTP = True
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/hook").respond_with_data("ok")
    server.start()
    try:
        url = server.url_for("/hook")
        with capture("webhook subscription create", found):
            subscription = webhook_services.subscription_create(
                account=account, url=url, events=["*"]
            )
        factories.make_booking(rental, day(100), day(102))
        with capture("webhook fan-out", found):
            created = webhook_services.deliveries_fan_out(now=timezone.now(), account_id=account.pk)
        assert created > 0
        # The worker's claim is the one multi-account statement by design (docs/scaling.md,
        # "Beat and the sweep per shard"); what it claimed is sent to a real receiver.
        claimed = webhook_services.deliveries_claim(
            now=timezone.now(), limit=100, lease=dt.timedelta(minutes=5)
        )
        assert len(claimed) == created
        results = [(delivery, webhook_post(url, b"{}", {})) for delivery in claimed]
        with capture("webhook attempts recorded", found):
            webhook_services.attempts_record(results=results, now=timezone.now())
        assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == created
        with capture("webhook test event, redelivery", found):
            test = webhook_services.test_event_send(subscription=subscription, now=timezone.now())
            webhook_services.delivery_redeliver(delivery=claimed[0], now=timezone.now())
        assert test.account_id == account.pk
        with capture("webhook subscription disabled", found):
            webhook_services.subscription_update(
                subscription=subscription, now=timezone.now(), active=False
            )
        assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
    finally:
        server.clear()
        server.stop()


def _idempotency_and_payments(api, rental, day, found):
    from idempotency.models import IdempotencyKey

    booking = factories.make_booking(rental, day(110), day(112))
    other = factories.make_booking(rental, day(120), day(122))
    paid_at = (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "payments": [
            {
                "amount_in_cents": 5000,
                "currency": rental.currency,
                "kind": "cash",
                "paid_at": paid_at,
            }
        ]
    }
    path = f"/api/v3/bookings/{booking.pk}/payments"
    with capture("payment create with an idempotency key, replayed", found):
        first = api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
        again = api.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
        assert first.status_code == again.status_code == 201, first.content
        assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.filter(account_id=rental.account_id).count() == 1
    payment = first.json()["payments"][0]["id"]
    shares = [
        {"booking_id": booking.pk, "amount_in_cents": 2000},
        {"booking_id": other.pk, "amount_in_cents": 3000},
    ]
    with capture("payment update (new shares)", found):
        response = api.put(
            f"/api/v3/payments/{payment}",
            {"payments": [{"bookings_payments": shares}]},
            format="json",
        )
        assert response.status_code == 200, response.content
    with capture("payment cancel", found):
        assert api.delete(f"/api/v3/payments/{payment}").status_code == 204


WRITE_PATHS = {
    "bookings (v3 API and the sweep)": lambda c: _v3_bookings(c.api, c.rental, c.day, c.found),
    "slots (Overbooked API)": lambda c: _overbooked(c.account, c.rental, c.day, c.found),
    "slots (services)": lambda c: _slot_services(c.rental, c.day, c.found),
    "rentals and calendars": lambda c: _rentals_and_calendars(
        c.account, c.make_rental, c.day, c.found, c.settings
    ),
    "webhooks (fan-out, attempts, disable)": lambda c: _webhooks(
        c.account, c.rental, c.day, c.found, c.settings
    ),
    "idempotency keys and payments (v3 API)": lambda c: _idempotency_and_payments(
        c.api, c.rental, c.day, c.found
    ),
}


# Offenders in code this test's owners may not change, by area and issuing function, each
# with the fix handed over (docs/scaling.md, "Still to do"). Each must still be found, so
# the entry goes once its code is fixed.
HANDED_OVER: dict[tuple[str, str], str] = {}


def _function(offender: Offender) -> str:
    return re.sub(r":\d+ in ", " in ", offender.line)


@pytest.mark.parametrize("area", list(WRITE_PATHS))
def test_every_write_query_by_rental_or_on_an_account_table_filters_by_account(
    area, api, account, rental, make_rental, day, settings
):
    found: list[Offender] = []

    class Context:
        pass

    context = Context()
    context.__dict__.update(
        api=api,
        account=account,
        rental=rental,
        make_rental=make_rental,
        day=day,
        found=found,
        settings=settings,
    )
    WRITE_PATHS[area](context)
    # Deduplicated by the line that issued them; each is listed with one of its statements.
    by_origin: dict[str, Offender] = {}
    for offender in found:
        by_origin.setdefault(offender.line, offender)
    handed_over = {function for known_area, function in HANDED_OVER if known_area == area}
    assert {_function(o) for o in by_origin.values()} >= handed_over, (
        "fixed? remove it from HANDED_OVER and docs/scaling.md: "
        f"{handed_over - {_function(o) for o in by_origin.values()}}"
    )
    by_origin = {line: o for line, o in by_origin.items() if _function(o) not in handed_over}
    assert not by_origin, (
        f"{len(by_origin)} write-path statement(s) select by rental, or touch "
        f"{', '.join(ACCOUNT_TABLES)}, without account_id:\n"
        + "\n".join(str(offender) for offender in by_origin.values())
    )
