"""Fixtures for the expiry tests: a booking factory on the real clock, Redis, a real worker."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from rentals.models import Rental
from tests.factories import booking_create, iso

ROOT = Path(__file__).resolve().parents[2]
# Database 5, so a test run does not touch the Redis data of a developer's `make run`.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'


@pytest.fixture
def make_booking(rental: Rental) -> Callable[..., Booking]:
    """Create a booking through the service, each on its own day two weeks ahead.

    `expires_in` (a timedelta from now, may be negative) makes a hold; holds are created
    as if a week ago, so that one already expired was a legal hold when created.
    """
    days = itertools.count()
    real_now = timezone.now().replace(microsecond=0)

    def make(
        *,
        expires_in: dt.timedelta | None = None,
        booked: bool = False,
        unavailable: bool = False,
        on: Rental | None = None,
    ) -> Booking:
        start = real_now.replace(hour=0, minute=0, second=0) + dt.timedelta(days=14 + next(days))
        data: dict[str, object] = {
            "start_at": iso(start),
            "end_at": iso(start + dt.timedelta(hours=20)),
        }
        if expires_in is not None:
            data["tentative_expires_at"] = iso(real_now + expires_in)
        data.update({"booked": True} if booked else {"unavailable": True} if unavailable else {})
        return booking_create(rental=on or rental, data=data, now=real_now - dt.timedelta(days=7))

    return make


def require_redis() -> str:
    """The test Redis URL. Unreachable is a test failure that says how to start it, never a
    skip: called from the test body, so pytest reports FAILED, not a setup error."""
    problem = ""
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(
            f"Redis is not reachable at {TEST_REDIS_URL} ({problem}). Start it with:\n"
            f"    {START_REDIS}\n"
            "or point TEST_REDIS_URL at a running server.",
            pytrace=False,
        )
    return TEST_REDIS_URL


def worker_database_url() -> str:
    """The URL of the test database this session created, for a worker in another process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "")
    password = f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class Worker:
    """`celery -A config worker` in its own process group, exactly as an operator runs it."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), as systemd or `make run` stops it; kill if it hangs."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._out.close()


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start real workers on the Redis broker and the test database; stopped after the test,
    before the test database is flushed (this fixture depends on `transactional_db`)."""
    workers: list[Worker] = []

    def start(*args: str, **env: str) -> Worker:
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "test-only-not-secret",
            "DEBUG": "false",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": require_redis(),
            **env,
        }
        worker = Worker(
            ["--loglevel", "INFO", "--pool", "prefork", "--concurrency", "1", *args],
            worker_env,
            tmp_path / f"worker-{len(workers)}.log",
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
