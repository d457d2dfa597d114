"""DESIGN §7 at test size: the guarantees hold across separate OS processes sharing one
PostgreSQL (bench/scaleout.py runs the same proofs at full size).

1. Two gunicorn servers (two ports, two process trees) take one create-contention run
   split between them: no 5xx, no overlap (independent SQL), one row per 201.
2. Four processes run the expiry sweep at the same instant on 300 expired holds: each
   hold canceled once, one `booking_destroyed` event each.
3. Three processes run webhook delivery passes on 200 events to a real receiver on
   127.0.0.1: every event arrives at least once; each POST is one logged attempt, so
   duplicates are counted the same way by the receiver and by the attempt log.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bench.scaleout import start_counting_receiver
from bookings.models import Booking
from events.actors import Actor
from events.models import Event
from events.services import EventSpec, events_record
from tests.expiry.conftest import require_redis, worker_database_url
from tests.factories import booking_create, iso

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]

OVERLAPS_SQL = """
SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
  ON a.account_id = b.account_id AND a.rental_id = b.rental_id AND a.id < b.id
 AND booking_occupied_period(a.start_at, a.end_at, a.buffer_before, a.buffer_after)
  && booking_occupied_period(b.start_at, b.end_at, b.buffer_before, b.buffer_after)
WHERE a.status <> 'canceled' AND b.status <> 'canceled'
"""


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-only-not-secret",
        "DEBUG": "false",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": require_redis(),
        "API_RATE_LIMIT": "1000000",
        **extra,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Python processes that set Django up, connect, then wait for one start signal."""

    PRELUDE = (
        "import django, json, os, time\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"
        "print('ready', flush=True)\n"
        "while not os.path.exists(os.environ['START_FILE']):\n"
        "    time.sleep(0.005)\n"
    )

    def __init__(self, code: str, count: int, tmp_path: Path, **env: str) -> None:
        self.start_file = tmp_path / "start"
        self.stop_file = tmp_path / "stop"
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", self.PRELUDE + code],
                cwd=ROOT,
                env=_env(START_FILE=str(self.start_file), STOP_FILE=str(self.stop_file), **env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]

    def start_together(self) -> None:
        for process in self.processes:  # each has set Django up and connected
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line.strip() == "ready", process.communicate(timeout=30)
        self.start_file.touch()

    def results(self, timeout: float = 120) -> list[dict]:
        outcomes = []
        for process in self.processes:
            out, err = process.communicate(timeout=timeout)
            assert process.returncode == 0, err[-3000:]
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
        return outcomes

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


# --- 1. two servers ---------------------------------------------------------------------


class Server:
    def __init__(self, tmp_path: Path) -> None:
        self.port = _free_port()
        self.log = (tmp_path / f"gunicorn-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "config.wsgi"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert self.process.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def test_two_servers_on_one_database_never_overlap_and_never_fail(
    tmp_path, account, make_rental, make_application, make_token
):
    rentals = [make_rental(account).pk for _ in range(2)]
    token = make_token(make_application(account)).token
    first_day = timezone.now().date() + dt.timedelta(days=30)
    plans = [  # 12 clients × 4 requests of 1–3 nights within 8 days of two rentals
        [
            (
                rentals[(client + n) % 2],
                first_day + dt.timedelta(days=(client * 3 + n * 5) % 8),
                1 + (client + n) % 3,
            )
            for n in range(4)
        ]
        for client in range(12)
    ]
    servers = [Server(tmp_path), Server(tmp_path)]
    answers: dict[int, Counter] = {server.port: Counter() for server in servers}
    lock = threading.Lock()

    def client(number: int) -> None:
        port = servers[number % 2].port
        for rental_id, day, nights in plans[number]:
            body = json.dumps(
                {
                    "bookings": [
                        {
                            "start_at": f"{day.isoformat()}T16:00:00Z",
                            "end_at": f"{(day + dt.timedelta(days=nights)).isoformat()}T10:00:00Z",
                            "booked": True,
                        }
                    ]
                }
            )
            http_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            http_connection.request(
                "POST",
                f"/api/v3/rentals/{rental_id}/bookings",
                body,
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            status = http_connection.getresponse().status
            http_connection.close()
            with lock:
                answers[port][status] += 1

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for server in servers:
            server.stop()

    total = sum(answers.values(), Counter())
    assert set(total) <= {201, 422}, answers  # never a 5xx, never anything else
    assert sum(total.values()) == 48
    assert all(sum(counts.values()) == 24 for counts in answers.values())
    assert total[422] > 0, "the plan was meant to collide"
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL)
        assert cursor.fetchone()[0] == 0
    assert Booking.objects.exclude(status="canceled").count() == total[201]


# --- 2. four sweepers -------------------------------------------------------------------

SWEEPER = """
from bookings.services import tentative_bookings_expire
print(json.dumps({"canceled": tentative_bookings_expire(batch_size=50)}))
"""


def test_four_sweepers_started_together_cancel_each_hold_once_with_one_event(
    tmp_path, account, make_rental
):
    now = timezone.now()
    rentals = [make_rental(account) for _ in range(3)]
    base = now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    holds = [
        booking_create(
            rental=rentals[n % 3],
            data={
                "start_at": iso(base + dt.timedelta(days=n // 3)),
                "end_at": iso(base + dt.timedelta(days=n // 3, hours=20)),
                "tentative_expires_at": iso(now - dt.timedelta(minutes=1 + n % 50)),
            },
            now=now - dt.timedelta(days=1),
        ).pk
        for n in range(300)
    ]
    before = Event.objects.order_by("-id").values_list("id", flat=True).first()
    connection.close()
    sweepers = Processes(SWEEPER, 4, tmp_path)
    try:
        sweepers.start_together()
        returned = [result["canceled"] for result in sweepers.results()]
    finally:
        sweepers.kill()

    assert sum(returned) == 300, returned  # no hold counted by two sweepers
    canceled = Booking.objects.filter(
        pk__in=holds, status="canceled", cancelation_reason="tentative_expired"
    )
    assert canceled.count() == 300
    events = Counter(
        Event.objects.filter(
            id__gt=before, event="booking_destroyed", resource_type="booking"
        ).values_list("resource_id", flat=True)
    )
    assert set(events) == set(holds)
    assert set(events.values()) == {1}


# --- 3. three webhook workers -----------------------------------------------------------

WEBHOOK_WORKER = """
from webhooks.delivery import deliver_pass
attempted = 0
while not os.path.exists(os.environ["STOP_FILE"]):
    result = deliver_pass(time_budget=float("inf"))
    attempted += result.attempted
    if not result.attempted and not result.created:
        time.sleep(0.05)
print(json.dumps({"attempted": attempted}))
"""


def test_three_webhook_workers_deliver_every_event_and_count_duplicates(
    tmp_path, account, make_rental
):
    from webhooks.models import Attempt, Delivery
    from webhooks.services import subscription_create

    receiver = start_counting_receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    workers = None
    try:
        subscription = subscription_create(account=account, url=url, events=["booking_updated"])
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
        booking = booking_create(
            rental=make_rental(account),
            data={
                "start_at": iso(start),
                "end_at": iso(start + dt.timedelta(days=1)),
                "booked": True,
            },
        )
        events_record(
            account_id=account.pk,
            actor=Actor.system("test"),
            occurred_at=timezone.now(),
            specs=[
                EventSpec("booking_updated", "booking", booking.pk, {"notes": ["", str(n)]})
                for n in range(200)
            ],
        )
        expected = set(
            Event.objects.filter(account=account, event="booking_updated").values_list(
                "id", flat=True
            )
        )
        assert len(expected) == 200
        connection.close()
        workers = Processes(
            WEBHOOK_WORKER,
            3,
            tmp_path,
            WEBHOOKS_ALLOW_PRIVATE="true",
            WEBHOOKS_ALLOW_HTTP="true",
        )
        workers.start_together()
        deadline = time.monotonic() + 120
        while not expected <= set(receiver.posts):  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, (
                f"{len(expected - set(receiver.posts))} events never arrived"  # type: ignore[attr-defined]
            )
            time.sleep(0.1)
        workers.stop_file.touch()
        attempted = [result["attempted"] for result in workers.results()]
    finally:
        if workers is not None:
            workers.stop_file.touch()
            workers.kill()
        receiver.shutdown()

    posts: Counter = receiver.posts  # type: ignore[attr-defined]
    assert set(posts) == expected  # every event, and nothing else
    duplicates = sum(posts.values()) - len(expected)
    # The receiver and the attempt log count the same POSTs: a duplicate is never silent.
    assert Attempt.objects.filter(delivery__subscription=subscription).count() == sum(
        posts.values()
    )
    assert sum(attempted) == sum(posts.values())
    delivered = Delivery.objects.filter(subscription=subscription, delivered_at__isnull=False)
    assert delivered.count() == 200
    print(
        f"three webhook workers: {duplicates} duplicate POST(s) of 200 events; "
        f"attempts by worker {attempted}"
    )
