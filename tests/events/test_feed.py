"""The event feed: commit-safe order, cursor, scope and tenant isolation, retention."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from events.actors import Actor
from events.models import Event
from events.selectors import Cursor, event_feed
from events.services import changes_between, event_record, events_purge
from events.tasks import purge_old_events

ACTOR = Actor.system("test")


def record(account, resource_id: int, *, occurred_at: dt.datetime | None = None) -> None:
    event_record(
        account_id=account.pk,
        event=Event.Name.RENTAL_UPDATED,
        resource_type="rental",
        resource_id=resource_id,
        actor=ACTOR,
        occurred_at=occurred_at or timezone.now(),
    )


def test_cursor_parses_its_own_text_and_the_start():
    assert Cursor.parse(None) == Cursor() == Cursor.parse("0") == Cursor.parse("")
    assert Cursor.parse(str(Cursor(12, 34))) == Cursor(12, 34)
    assert Cursor.parse("12") is None
    assert Cursor.parse("1-2-3") is None
    assert Cursor.parse(f"{2**63}-1") is None


def test_changes_between_lists_only_changed_fields_as_json():
    before = {"name": "A", "price": None, "at": None}
    after = {
        "name": "A",
        "price": __import__("decimal").Decimal("1.50"),
        "at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
    }
    assert changes_between(before, after) == {
        "price": [None, "1.50"],
        "at": [None, "2026-01-02T03:04:00Z"],
    }


def test_feed_pages_through_the_account_in_order(account, other_account):
    for resource_id in range(5):
        record(account, resource_id)
    record(other_account, 99)
    first = event_feed(account_id=account.pk, after=Cursor(), limit=3)
    assert [e.resource_id for e in first] == [0, 1, 2]
    rest = event_feed(account_id=account.pk, after=Cursor(first[-1].txid, first[-1].id), limit=10)
    assert [e.resource_id for e in rest] == [3, 4]


def test_api_feed_needs_events_read_and_serves_only_the_callers_account(
    make_api, account, other_account
):
    record(account, 1)
    record(other_account, 2)
    assert make_api(account, "public bookings_read").get("/api/v3/events").status_code == 403
    api = make_api(account, "events_read")
    body = api.get("/api/v3/events").json()
    assert [e["resource_id"] for e in body["events"]] == [1]
    assert body["events"][0]["actor"] == {"type": "system", "name": "test"}
    again = api.get("/api/v3/events", {"after": body["meta"]["next_cursor"]}).json()
    assert again["events"] == []
    assert again["meta"]["next_cursor"] == body["meta"]["next_cursor"]


@pytest.mark.parametrize("params", [{"after": "x"}, {"per_page": "1001"}, {"per_page": "0"}])
def test_api_feed_rejects_bad_parameters_naming_them(make_api, account, params):
    response = make_api(account, "events_read").get("/api/v3/events", params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == next(iter(params))


def test_a_rolled_back_write_leaves_no_event(account):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(account, 7)
        raise RuntimeError
    assert not Event.objects.filter(resource_id=7).exists()


def test_retention_deletes_only_events_older_than_the_setting(account, settings):
    settings.EVENT_RETENTION_DAYS = 90
    now = timezone.now()
    record(account, 1, occurred_at=now - dt.timedelta(days=91))
    record(account, 2, occurred_at=now - dt.timedelta(days=89))
    assert purge_old_events() == 1
    assert list(Event.objects.values_list("resource_id", flat=True)) == [2]
    assert events_purge(older_than=now) == 1


def _dsn() -> str:
    settings = connection.settings_dict
    return (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER']} dbname={settings['NAME']}"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_after_a_later_numbered_one_is_never_skipped(account):
    """Event ids are given out before commit: T1 takes id n, T2 takes n+1 and commits,
    a reader polls, then T1 commits. A pure id cursor would now stand past n forever."""
    slow = psycopg.connect(_dsn(), autocommit=False)
    try:
        txid_insert = (
            "INSERT INTO events_event (account_id, event, resource_type, resource_id,"
            " occurred_at, actor, changes, txid) VALUES (%s, 'rental_updated', 'rental', %s,"
            " now(), '{}', '{}', pg_current_xact_id()::text::bigint)"
        )
        slow.execute(txid_insert, (account.pk, 1))  # takes the lower id, commits last
        record(account, 2)  # autocommit: takes the higher id, commits first

        served = event_feed(account_id=account.pk, after=Cursor(), limit=100)
        cursor = Cursor(served[-1].txid, served[-1].id) if served else Cursor()
        seen = [e.resource_id for e in served]
        slow.commit()

        more = event_feed(account_id=account.pk, after=cursor, limit=100)
        seen += [e.resource_id for e in more]
        assert sorted(seen) == [1, 2]
    finally:
        slow.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_a_polling_reader_lose_nothing(account):
    """Writers commit in random order against their ids; a poller following the cursor
    ends with every committed event."""
    writers, per_writer = 4, 25
    done = threading.Event()

    def write(base: int) -> None:
        with psycopg.connect(_dsn(), autocommit=False) as conn:
            for i in range(per_writer):
                conn.execute(
                    "INSERT INTO events_event (account_id, event, resource_type, resource_id,"
                    " occurred_at, actor, changes, txid) VALUES (%s, 'rental_updated',"
                    " 'rental', %s, now(), '{}', '{}', pg_current_xact_id()::text::bigint)",
                    (account.pk, base + i),
                )
                if i % 3 == 0:
                    conn.execute("SELECT pg_sleep(0.003)")
                conn.commit()

    threads = [threading.Thread(target=write, args=(w * 1000,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    seen: list[int] = []
    cursor = Cursor()

    def poll() -> None:
        nonlocal cursor
        for event in event_feed(account_id=account.pk, after=cursor, limit=7):
            seen.append(event.resource_id)
            cursor = Cursor(event.txid, event.id)

    while any(thread.is_alive() for thread in threads):
        poll()
    done.set()
    for _ in range(writers * per_writer):
        before = len(seen)
        poll()
        if len(seen) == before:
            break
    expected = {w * 1000 + i for w in range(writers) for i in range(per_writer)}
    assert set(seen) == expected
    assert len(seen) == len(expected)  # the cursor never serves an event twice either
