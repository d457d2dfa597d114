"""Real `celery -A config worker -B` processes on Redis deliver to a real receiver.

The worker runs beat with a 1-second sweep (WEBHOOKS_SWEEP_SECONDS=1): this test process's
own Celery producer is not on the worker's Redis, so the sweep, not the on-commit enqueue
(tested in test_admin_and_enqueue.py and measured in bench/webhooks.py), wakes it here.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from standardwebhooks import Webhook
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from tests.expiry.conftest import Worker, require_redis, worker_database_url
from webhooks.models import Delivery
from webhooks.signing import bookingsync_signature

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(
            [
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--beat",
                "--schedule",
                str(tmp_path / f"beat-{len(workers)}"),
                "--without-gossip",
                "--without-mingle",
            ],
            {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "SECRET_KEY": "test-only-not-secret",
                "DEBUG": "false",
                "DATABASE_URL": worker_database_url(),
                "REDIS_URL": require_redis(),
                "WEBHOOKS_ALLOW_PRIVATE": "true",
                "WEBHOOKS_ALLOW_HTTP": "true",
                "WEBHOOKS_SWEEP_SECONDS": "1",
                **env,
            },
            tmp_path / f"worker-{len(workers)}.log",
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def _wait_until(condition, *, timeout: float, workers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        logs = "\n".join(w.output()[-3000:] for w in workers)
        assert time.monotonic() < deadline, f"gave up after {timeout} s; worker logs:\n{logs}"
        time.sleep(0.2)


def test_a_booking_created_through_the_api_reaches_the_receiver_signed(
    start_worker, account, rental, receiver, make_subscription, make_api
):
    subscription = make_subscription(account, receiver.url, events=["booking_created"])
    worker = start_worker()
    api: APIClient = make_api(account)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    created = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {
            "bookings": [
                {
                    "start_at": start.isoformat(),
                    "end_at": (start + dt.timedelta(days=2)).isoformat(),
                    "booked": True,
                }
            ]
        },
        format="json",
    )
    assert created.status_code == 201
    booking_id = created.json()["bookings"][0]["id"]

    _wait_until(lambda: receiver.requests, timeout=60, workers=[worker])

    headers, body = receiver.requests[0]
    payload = Webhook(subscription.secret).verify(body, headers)
    assert headers["X-Content-Signature"] == bookingsync_signature(subscription.secret, body)
    assert payload["event"] == "booking_created"
    assert payload["resource"]["bookings"][0]["id"] == booking_id


def test_a_worker_stopped_mid_flight_loses_nothing(
    start_worker, account, receiver, make_subscription, record_event
):
    """The first worker is killed (SIGKILL: no clean-up at all) while the receiver holds
    its requests; a second worker takes the deliveries over once their lease ends."""
    make_subscription(account, receiver.url)
    event_ids = {record_event(account, 1000 + n).id for n in range(20)}
    first_request = threading.Event()
    original = receiver._handle

    def slow(request: WerkzeugRequest) -> WerkzeugResponse:
        first_request.set()
        time.sleep(2)
        return original(request)

    receiver.server.clear_all_handlers()
    receiver.server.expect_request("/hook").respond_with_handler(slow)
    lease = {"WEBHOOKS_LEASE_SECONDS": "5"}
    first = start_worker(**lease)
    _wait_until(first_request.is_set, timeout=60, workers=[first])
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() != 20

    receiver.server.clear_all_handlers()
    receiver.server.expect_request("/hook").respond_with_handler(original)
    second = start_worker(**lease)

    def all_arrived() -> bool:
        return {body["event_id"] for body in receiver.bodies()} >= event_ids

    _wait_until(all_arrived, timeout=90, workers=[first, second])
    _wait_until(
        lambda: Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 20,
        timeout=30,
        workers=[second],
    )
