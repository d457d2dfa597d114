"""Webhook delivery speed and the cost of idempotency keys: `python -m bench.webhooks`.

    python -m bench.webhooks [--events 2000] [--latency-events 150] [--creates 60] [--result NAME]

1. Throughput, one worker process: N `booking_updated` events of real bookings become
   deliveries to a local receiver (a threaded HTTP server in this process) through
   `deliver_pass()` in a fresh process (what the Celery task runs: fan-out, batched
   claim, batched rendering, parallel POSTs, bulk-logged attempts). Baseline, the floor:
   the same process POSTs the same number of pre-rendered bodies to the same receiver
   with the same thread pool through core/safehttp.py, no database. Target: ≥ 200
   deliveries/s; the ratio to the baseline is reported.
2. Latency, commit to first attempt: real `celery -A config worker` processes (1, then
   3) on Redis; this process commits one event at a time (~25/s) and the on-commit
   enqueue wakes a worker; the receiver notes when each event arrives. Target p99 < 2 s.
3. Idempotency keys: `POST /api/v3/rentals/{id}/bookings` through Django's full stack
   (test client, no HTTP server) with and without a fresh `Idempotency-Key`, alternating
   request by request (ABBA); the ratio of median request times per block (target
   ≥ 0.85, i.e. at most 15 % slower) and the SQL statements one request costs either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import json
import os
import signal
import statistics
import subprocess
import threading
import time

from bench.common import (
    PYTHON,
    ROOT,
    bench_env,
    log,
    percentile,
    ratio_summary,
    setup_django,
    write_result,
)

WORKER_ENV = {"WEBHOOKS_ALLOW_PRIVATE": "true", "WEBHOOKS_ALLOW_HTTP": "true"}


class _Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrived = time.time()
        try:
            event_id = json.loads(body).get("event_id")
        except ValueError:
            event_id = None
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.arrivals.setdefault(event_id, arrived)  # type: ignore[attr-defined]
            self.server.count += 1  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _ReceiverServer(http.server.ThreadingHTTPServer):
    # The default listen backlog (5) drops SYNs under 8 parallel senders, and each drop
    # costs a 1 s retransmit: the receiver, not the sender, would be measured.
    request_queue_size = 1024


def start_receiver() -> http.server.ThreadingHTTPServer:
    server = _ReceiverServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    server.arrivals = {}  # type: ignore[attr-defined]
    server.count = 0  # type: ignore[attr-defined]
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _in_fresh_process(code: str) -> dict:
    env = {**bench_env(), **WORKER_ENV}
    result = subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


PIPELINE = """
import json, time
from webhooks.delivery import deliver_pass
start = time.perf_counter()
result = deliver_pass(time_budget=float("inf"))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "created": result.created,
                  "attempted": result.attempted, "delivered": result.delivered}))
"""

RAW_POSTS = """
import json, time
from concurrent.futures import ThreadPoolExecutor
from django.conf import settings
from webhooks.delivery import post
from webhooks.signing import signed_headers
url, count = {url!r}, {count}
body = json.dumps({{"account_id": 1, "event": "booking_updated", "resource": {{}}}}).encode()
headers = signed_headers("whsec_" + "A" * 32, msg_id="msg_1", timestamp=int(time.time()), body=body)
pool = ThreadPoolExecutor(max_workers=settings.WEBHOOKS_CONCURRENCY)
start = time.perf_counter()
outcomes = list(pool.map(lambda _: post(url, body, headers), range(count)))
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "ok": sum(o.success for o in outcomes)}}))
"""


def _subscribe(account, url: str):
    from webhooks import services

    subscription = services.subscription_create(
        account=account, url=url, events=["booking_updated"]
    )
    # Move the account's cursor past the events already in the log (none are for it).
    services.deliveries_fan_out(now=subscription.created_at, account_id=account.pk)
    return subscription


def _cleanup(account) -> None:
    from webhooks.models import Subscription

    Subscription.objects.filter(account=account).delete()


def _record(account, booking_ids: list[int]) -> None:
    from django.utils import timezone

    from events.actors import Actor
    from events.services import EventSpec, events_record

    events_record(
        account_id=account.pk,
        actor=Actor.system("bench"),
        occurred_at=timezone.now(),
        specs=[
            EventSpec("booking_updated", "booking", booking_id, {"notes": ["", "bench"]})
            for booking_id in booking_ids
        ],
    )


def throughput(account, booking_ids: list[int], events: int) -> dict:
    receiver = start_receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        _subscribe(account, url)
        ids = [booking_ids[n % len(booking_ids)] for n in range(events)]
        for start in range(0, len(ids), 1000):
            _record(account, ids[start : start + 1000])
        pipeline = _in_fresh_process(PIPELINE)
        raw = _in_fresh_process(RAW_POSTS.format(url=url, count=events))
    finally:
        _cleanup(account)
        receiver.shutdown()
    rate = pipeline["delivered"] / pipeline["seconds"]
    raw_rate = raw["ok"] / raw["seconds"]
    log(f"throughput: {rate:.0f} deliveries/s; raw POSTs {raw_rate:.0f}/s")
    return {
        "events": events,
        "pipeline": {**pipeline, "deliveries_per_s": round(rate, 1)},
        "baseline_raw_posts": {**raw, "posts_per_s": round(raw_rate, 1)},
        "ratio_pipeline_over_raw": round(rate / raw_rate, 3),
    }


def _start_workers(concurrency: int, log_path) -> subprocess.Popen:
    env = {**bench_env(), **WORKER_ENV}
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def latency(account, booking_ids: list[int], events: int, workers: int) -> dict:
    from django.db import transaction

    from config.celery import app
    from events.models import Event

    app.control.purge()
    receiver = start_receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    log_path = ROOT / "var" / f"bench-webhooks-worker-{workers}.log"
    log_path.parent.mkdir(exist_ok=True)
    process = _start_workers(workers, log_path)
    committed: dict[int, float] = {}
    try:
        _subscribe(account, url)
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the worker did not start; see {log_path}")
        for n in range(events):
            with transaction.atomic():
                _record(account, [booking_ids[n % len(booking_ids)]])
            committed_at = time.time()  # the on-commit enqueue ran inside the block's exit
            event_id = (
                Event.objects.filter(account=account)
                .order_by("-id")
                .values_list("id", flat=True)[0]
            )
            committed[event_id] = committed_at
            time.sleep(0.04)
        deadline = time.monotonic() + 60
        while len(set(committed) & set(receiver.arrivals)) < len(committed):  # type: ignore[attr-defined]
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        _cleanup(account)
        receiver.shutdown()
        app.control.purge()
    arrivals = receiver.arrivals  # type: ignore[attr-defined]
    waits = [arrivals[i] - t for i, t in committed.items() if i in arrivals]
    missing = len(committed) - len(waits)
    result = {
        "workers": workers,
        "events": events,
        "missing": missing,
        "p50_ms": round(percentile(waits, 50) * 1000, 1),
        "p99_ms": round(percentile(waits, 99) * 1000, 1),
        "max_ms": round(max(waits) * 1000, 1) if waits else None,
    }
    log(f"latency with {workers} worker(s): {result}")
    return result


def idempotency_cost(account, creates: int, pairs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.fixtures import token_for
    from bookings.models import Booking
    from rentals.models import Rental

    rental = Rental.objects.create(account=account, name="bench-idempotency")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(account.pk)}")
    day = iter(range(100_000))
    first = dt.datetime(2150, 1, 1, 16, tzinfo=dt.UTC)
    path = f"/api/v3/rentals/{rental.pk}/bookings"

    def create(with_key: bool) -> None:
        start = first + dt.timedelta(days=2 * next(day))
        body = {
            "bookings": [
                {
                    "start_at": start.isoformat(),
                    "end_at": (start + dt.timedelta(days=1)).isoformat(),
                    "booked": True,
                }
            ]
        }
        extra = {"HTTP_IDEMPOTENCY_KEY": f"bench-{time.time_ns()}"} if with_key else {}
        response = client.post(path, body, content_type="application/json", **extra)
        if response.status_code != 201:
            raise RuntimeError(f"create answered {response.status_code}: {response.content[:300]}")

    def timed(with_key: bool) -> float:
        started = time.perf_counter()
        create(with_key)
        return time.perf_counter() - started

    try:
        for with_key in (False, True):  # warm up both paths
            create(with_key)
        statements = {}
        for with_key in (False, True):
            with CaptureQueriesContext(connection) as queries:
                create(with_key)
            statements["with_key" if with_key else "without_key"] = len(queries.captured_queries)
        # Requests alternate one by one (ABBA), so drift in a shared machine's load hits
        # both sides alike; each block of `creates` pairs gives one ratio of medians.
        ratios, with_times, without_times = [], [], []
        for _ in range(pairs):
            block: dict[bool, list[float]] = {False: [], True: []}
            for number in range(creates):
                order = (False, True) if number % 2 == 0 else (True, False)
                for with_key in order:
                    block[with_key].append(timed(with_key))
            ratios.append(statistics.median(block[False]) / statistics.median(block[True]))
            with_times += block[True]
            without_times += block[False]
    finally:
        from idempotency.models import IdempotencyKey

        Booking.objects.filter(rental=rental).delete()
        rental.delete()
        IdempotencyKey.objects.filter(key__startswith="bench-").delete()
    result = {
        "creates_per_run": creates,
        "statements_per_create": statements,
        "extra_statements": statements["with_key"] - statements["without_key"],
        "with_key_per_s": round(1 / statistics.median(with_times), 1),
        "without_key_per_s": round(1 / statistics.median(without_times), 1),
        "ratio_with_over_without": ratio_summary(ratios),
    }
    log(f"idempotency: {result}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency-events", type=int, default=150)
    parser.add_argument("--creates", type=int, default=40, help="request pairs per block")
    parser.add_argument("--pairs", type=int, default=5, help="blocks (one ratio each)")
    parser.add_argument("--result", default="webhooks")
    args = parser.parse_args(argv)
    setup_django()
    from accounts.models import Account
    from bench.fixtures import ensure_fixtures
    from bookings.models import Booking

    ensure_fixtures()
    account = Account.objects.order_by("id").first()
    booking_ids = list(
        Booking.objects.filter(account=account).order_by("-id").values_list("id", flat=True)[:500]
    )
    if not booking_ids:
        raise SystemExit("no bookings: run python -m bench.generate first")
    _cleanup(account)

    deliveries = throughput(account, booking_ids, args.events)
    latencies = [latency(account, booking_ids, args.latency_events, n) for n in (1, 3)]
    idempotency = idempotency_cost(account, args.creates, args.pairs)
    payload = {
        "throughput": deliveries,
        "latency": latencies,
        "idempotency": idempotency,
        "targets": {
            "at_least_200_deliveries_per_s": deliveries["pipeline"]["deliveries_per_s"] >= 200,
            "commit_to_attempt_p99_under_2s": all(
                run["p99_ms"] < 2000 and run["missing"] == 0 for run in latencies
            ),
            "idempotency_at_most_15pct_slower": idempotency["ratio_with_over_without"]["median"]
            >= 0.85,
            "idempotency_at_most_one_extra_statement": idempotency["extra_statements"] <= 1,
        },
    }
    path = write_result(args.result, payload)
    log(f"webhooks -> {path}")
    return payload


if __name__ == "__main__":
    main()
