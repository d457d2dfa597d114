"""DESIGN §5: the Celery task, a real worker on the real Redis broker, and beat's schedule."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.conf import settings

from bookings.models import Booking
from bookings.tasks import expire_tentative_bookings
from config.celery import app
from tests.expiry.conftest import ROOT, require_redis

HOUR = dt.timedelta(hours=1)
TASK = "bookings.tasks.expire_tentative_bookings"


def _wait_until(condition, *, timeout: float, worker) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.process.poll() is None, f"the worker died:\n{worker.output()}"
        assert time.monotonic() < deadline, (
            f"gave up after {timeout} s; worker log:\n{worker.output()}"
        )
        time.sleep(0.2)


@pytest.mark.django_db
def test_the_task_cancels_expired_holds_and_logs_and_returns_the_count(make_booking, caplog):
    expired = [make_booking(expires_in=-HOUR), make_booking(expires_in=-HOUR)]
    live = make_booking(expires_in=HOUR)

    with caplog.at_level(logging.INFO, logger="bookings.tasks"):
        result = expire_tentative_bookings.apply()

    assert result.successful(), result.traceback
    assert result.get() == 2
    assert "expired 2 tentative holds" in caplog.text
    assert {b.status for b in Booking.objects.filter(pk__in=[h.pk for h in expired])} == {
        Booking.Status.CANCELED
    }
    assert Booking.objects.get(pk=live.pk).status == Booking.Status.TENTATIVE


def test_the_task_is_registered_on_the_app_under_the_name_beat_sends():
    app.loader.import_default_modules()
    assert TASK in app.tasks
    assert app.tasks[TASK].run is expire_tentative_bookings.run


def test_beat_schedules_the_sweep_every_tentative_sweep_seconds():
    """What beat itself reads: its scheduler's entry, in this process and with the interval
    changed through the environment in a fresh one."""
    from celery.beat import Scheduler

    entry = Scheduler(app=app).schedule["expire-tentative-bookings"]
    assert entry.task == TASK
    assert entry.schedule.run_every == dt.timedelta(seconds=settings.TENTATIVE_SWEEP_SECONDS)
    # A tick that waited longer than one interval is dropped, so ticks never pile up.
    assert entry.options["expires"] <= settings.TENTATIVE_SWEEP_SECONDS

    configured = _celery_config_in_fresh_process(TENTATIVE_SWEEP_SECONDS="17")
    assert configured["run_every"] == 17.0
    assert configured["task"] == TASK


def test_broker_and_results_use_redis_url_and_time_limits_stay_under_its_visibility_timeout():
    configured = _celery_config_in_fresh_process(REDIS_URL="redis://127.0.0.1:6379/5")
    assert configured["broker"].startswith("redis://127.0.0.1:6379/5")
    assert configured["backend"].startswith("redis://127.0.0.1:6379/5")
    # The worker must finish (or be killed) before Redis hands the message to another one.
    assert configured["soft_time_limit"] < configured["time_limit"]
    assert configured["time_limit"] * 4 <= configured["visibility_timeout"]
    assert configured["max_retries"] == 0


def test_without_redis_url_the_embedded_filesystem_broker_keeps_its_folders_under_var():
    configured = _celery_config_in_fresh_process(REDIS_URL="")
    assert configured["broker"].startswith("filesystem://")
    folders = configured["transport_options"]
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        assert folders[key].startswith(str(ROOT / "var" / "celery")), key


def _celery_config_in_fresh_process(**env: str) -> dict:
    code = """
import json, django
django.setup()
from config.celery import app
from celery.beat import Scheduler
app.loader.import_default_modules()
entry = Scheduler(app=app).schedule["expire-tentative-bookings"]
task = app.tasks[entry.task]
print(json.dumps({
    "task": entry.task,
    "run_every": entry.schedule.run_every.total_seconds(),
    "broker": app.conf.broker_url,
    "backend": str(app.conf.result_backend),
    "transport_options": app.conf.broker_transport_options,
    "visibility_timeout": app.conf.broker_transport_options.get("visibility_timeout"),
    "soft_time_limit": task.soft_time_limit,
    "time_limit": task.time_limit,
    "max_retries": task.max_retries,
}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "x",
            "REDIS_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_real_worker_on_redis_runs_the_sweep_it_is_sent(start_worker, make_booking):
    """The message goes through Redis to a `celery -A config worker` process that works on
    the test database; the count comes back through the Redis result backend."""
    redis_url = require_redis()
    hold = make_booking(expires_in=-HOUR)
    live = make_booking(expires_in=HOUR)
    queue = f"expiry-test-{uuid.uuid4().hex[:8]}"  # no other worker on this Redis takes it
    worker = start_worker("--queues", queue, "--without-gossip", "--without-mingle")
    producer = Celery(
        "expiry-test-producer", broker=redis_url, backend=redis_url, set_as_current=False
    )
    try:
        result = producer.send_task(TASK, queue=queue)
        try:
            count = result.get(timeout=60)
        except Exception as exc:
            pytest.fail(
                f"the worker did not run the sweep ({exc!r}); worker log:\n{worker.output()}"
            )
    finally:
        producer.close()

    assert count == 1
    swept = Booking.objects.get(pk=hold.pk)
    assert swept.status == Booking.Status.CANCELED
    assert swept.canceled_at == hold.tentative_expires_at
    assert swept.cancelation_reason == Booking.CancelationReason.TENTATIVE_EXPIRED
    assert Booking.objects.get(pk=live.pk).status == Booking.Status.TENTATIVE
    _wait_until(lambda: "expired 1 tentative holds" in worker.output(), timeout=10, worker=worker)


def test_a_worker_with_beat_sweeps_on_schedule_without_being_asked(
    start_worker, tmp_path, make_booking
):
    """`celery -A config worker -B` as in `make run`, on Redis, with a 1-second interval."""
    hold = make_booking(expires_in=-HOUR)
    worker = start_worker(
        "--beat",
        "--schedule",
        str(tmp_path / "beat-schedule"),
        "--without-gossip",
        "--without-mingle",
        TENTATIVE_SWEEP_SECONDS="1",
    )

    _wait_until(
        lambda: Booking.objects.filter(pk=hold.pk, status=Booking.Status.CANCELED).exists(),
        timeout=60,
        worker=worker,
    )
    assert "Sending due task expire-tentative-bookings" in worker.output()
