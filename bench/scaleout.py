"""Scale-out proofs (DESIGN §7): the guarantees across separate processes on one PostgreSQL.

    python -m bench.scaleout [--clients 40] [--requests 10] [--holds 100000]
                             [--events 10000] [--result scaleout]

1. Two servers: two gunicorn instances (two ports, two process trees, 2 sync workers
   each) on the one bench database. One create-contention run (bench/contention.py's
   seeded plans: `--clients` threads booking ten rentals of one account) is split
   between them, client n talking to server n mod 2, so requests of both servers collide
   on the same rentals. An independent SQL check then counts overlapping blocking
   bookings on those rentals (must be 0), the non-canceled rows written must equal the
   201s, and no answer may be a 5xx.
2. Four sweepers: `--holds` bookings become expired holds; four processes, each
   `bookings.services.tentative_bookings_expire()` (what the Celery task and
   `manage.py expire_tentative_bookings` run), are started and then released at the same
   instant. From the tables: every hold canceled (reason `tentative_expired`), exactly
   one `booking_destroyed` event per hold, none twice, and the four returned counts sum
   to the holds (no hold counted by two sweepers). One sweeper on the same holds is the
   reference for the wall time: `--sweep-rounds` interleaved pairs (1 then N, N then 1,
   …), the best of each and the median speed-up with its spread.
3. Three webhook workers: `--events` `booking_updated` events of one account with a
   subscription to a real HTTP receiver on 127.0.0.1 (a threaded server in this
   process); three processes each loop `webhooks.delivery.deliver_pass()` (what the Celery
   task runs: fan-out under the account's cursor lock, claims with SKIP LOCKED) until
   told to stop. Every event must arrive at least once; POSTs beyond the first per event
   are counted and reported as duplicates.

Every row written is removed afterwards; the holds are put back as they were.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.server
import json
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from bench.common import PYTHON, ROOT, bench_env, log, setup_django, write_result

SOURCE = "bench-scaleout"
SERVER_PORTS = (8775, 8776)
SAVED = "bench_scaleout_saved"
WORKER_ENV = {"WEBHOOKS_ALLOW_PRIVATE": "true", "WEBHOOKS_ALLOW_HTTP": "true"}


# --- helpers: processes started together ---------------------------------------------------


def _start_processes(code: str, count: int, *, extra_env: dict[str, str] | None = None):
    """Start `count` Python processes running `code` after Django's set-up; each waits for
    the file named by START_FILE before its work starts, so all begin at one instant."""
    start_file = ROOT / "var" / f"scaleout-start-{time.time_ns()}"
    start_file.parent.mkdir(exist_ok=True)
    prelude = (
        "import django, os, time, json\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"
        "print('ready', flush=True)\n"
        "while not os.path.exists(os.environ['START_FILE']):\n"
        "    time.sleep(0.005)\n"
    )
    env = {**bench_env(), **(extra_env or {}), "START_FILE": str(start_file)}
    processes = [
        subprocess.Popen(
            [PYTHON, "-c", prelude + code],
            cwd=ROOT,
            env={**env, "WORKER_NUMBER": str(number)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(count)
    ]
    return processes, start_file


def _release(processes, start_file: Path) -> float:
    """Wait until every process has set Django up and connected, then start them all;
    the start time."""
    for process in processes:
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a worker process failed to start:\n{process.communicate()[1]}")
    start_file.touch()
    return time.perf_counter()


def _collect(processes, start_file: Path, timeout: float = 1800) -> list[dict]:
    results = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=timeout)
            if process.returncode != 0:
                raise RuntimeError(f"a worker process failed:\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        start_file.unlink(missing_ok=True)
    return results


# --- 1. two servers ---------------------------------------------------------------------------


def _post(port: int, token: str, request) -> str:
    rental_id, start, end = request
    body = json.dumps(
        {
            "bookings": [
                {
                    "start_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end_at": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "booked": True,
                    "source": SOURCE,
                }
            ]
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for attempt in range(3):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", f"/api/v3/rentals/{rental_id}/bookings", body, headers)
            status = connection.getresponse().status
            connection.close()
            break
        except (ConnectionError, http.client.HTTPException):
            if attempt == 2:
                return "connection_error"
            time.sleep(0.05)
    return {201: "accepted", 422: "rejected"}.get(status, f"http_{status}")


def two_servers(clients: int, per_client: int, workers_per_server: int) -> dict:
    from django.db import connection
    from django.db.models import Max

    from bench.contention import OVERLAPS_SQL, _plan
    from bench.fixtures import ensure_fixtures, token_for
    from bench.server import gunicorn
    from bookings.models import Booking
    from rentals.models import Rental

    account_id = ensure_fixtures()["manager_account_id"]
    token = token_for(account_id)
    rentals = list(
        Rental.objects.filter(account_id=account_id).order_by("id").values_list("id", flat=True)
    )[:10]
    Booking.objects.filter(source=SOURCE).delete()
    last = Booking.objects.filter(rental_id__in=rentals).aggregate(last=Max("end_at"))["last"]
    plans = _plan(clients, per_client, rentals, (last + dt.timedelta(days=30)).date())
    connection.close()

    per_server: dict[int, Counter] = {port: Counter() for port in SERVER_PORTS}
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(number: int, requests) -> None:
        port = SERVER_PORTS[number % len(SERVER_PORTS)]
        local: Counter = Counter()
        barrier.wait()
        for request in requests:
            local[_post(port, token, request)] += 1
        with lock:
            per_server[port].update(local)

    first, second = SERVER_PORTS
    with gunicorn(workers_per_server, port=first), gunicorn(workers_per_server, port=second):
        threads = [threading.Thread(target=client, args=(n, plan)) for n, plan in enumerate(plans)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL, {"rentals": rentals})
        overlaps = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM bookings_booking WHERE source = %s AND status <> 'canceled'",
            [SOURCE],
        )
        rows = cursor.fetchone()[0]
        cursor.execute("DELETE FROM bookings_booking WHERE source = %s", [SOURCE])
    total: Counter = sum(per_server.values(), Counter())
    server_errors = sum(v for k, v in total.items() if k.startswith("http_5"))
    other = {k: v for k, v in total.items() if k not in ("accepted", "rejected")}
    result = {
        "servers": [f"127.0.0.1:{port}" for port in SERVER_PORTS],
        "gunicorn_sync_workers_per_server": workers_per_server,
        "clients": clients,
        "requests_per_client": per_client,
        "rentals": rentals,
        "seconds": round(seconds, 3),
        "requests_per_s": round(sum(total.values()) / seconds, 1),
        "per_server": {f"127.0.0.1:{port}": dict(counts) for port, counts in per_server.items()},
        "accepted": total["accepted"],
        "rejected": total["rejected"],
        "other": other,
        "server_errors": server_errors,
        "rows_written": rows,
        "overlaps_after": overlaps,
        "targets": {
            "zero_overlaps": overlaps == 0,
            "zero_5xx": server_errors == 0 and not other,
            "rows_equal_201s": rows == total["accepted"],
            "both_servers_accepted": all(c["accepted"] > 0 for c in per_server.values()),
        },
    }
    log(f"two servers: {result['per_server']}, overlaps {overlaps}, rows {rows}")
    return result


# --- 2. four sweepers -------------------------------------------------------------------------

SWEEPER = """
from bookings.services import tentative_bookings_expire
started = time.perf_counter()
canceled = tentative_bookings_expire()
print(json.dumps({"canceled": canceled, "seconds": time.perf_counter() - started}))
"""


def _remember_holds(cursor, holds: int, now) -> int:
    cursor.execute(f"DROP TABLE IF EXISTS {SAVED}")
    cursor.execute(
        f"""
        CREATE TABLE {SAVED} AS
        SELECT id, status, tentative_expires_at, canceled_at, cancelation_reason, updated_at
        FROM bookings_booking WHERE status = 'tentative' AND tentative_expires_at <= %s
        """,
        [now],
    )
    cursor.execute(
        f"""
        INSERT INTO {SAVED}
        SELECT id, status, tentative_expires_at, canceled_at, cancelation_reason, updated_at
        FROM bookings_booking WHERE status = 'booked' ORDER BY random() LIMIT %s
        """,
        [max(0, holds - cursor.rowcount)],
    )
    cursor.execute(f"SELECT count(*) FROM {SAVED}")
    return cursor.fetchone()[0]


def _make_expired(cursor, now) -> None:
    cursor.execute(
        f"""
        UPDATE bookings_booking b
        SET status = 'tentative', canceled_at = NULL, cancelation_reason = '',
            tentative_expires_at = %s - interval '1 minute' * (1 + b.id %% 10000)
        FROM {SAVED} s WHERE b.id = s.id
        """,
        [now],
    )
    cursor.execute("VACUUM ANALYZE bookings_booking")


def _restore_holds(cursor) -> None:
    cursor.execute(
        f"""
        UPDATE bookings_booking b
        SET status = s.status, tentative_expires_at = s.tentative_expires_at,
            canceled_at = s.canceled_at, cancelation_reason = s.cancelation_reason,
            updated_at = s.updated_at
        FROM {SAVED} s WHERE b.id = s.id
        """
    )
    cursor.execute(f"DROP TABLE {SAVED}")
    cursor.execute("VACUUM ANALYZE bookings_booking")


SWEEP_CHECK = f"""
WITH per_hold AS (
  SELECT s.id,
         b.status = 'canceled' AND b.cancelation_reason = 'tentative_expired' AS canceled,
         (SELECT count(*) FROM events_event e
          WHERE e.id > %(after)s AND e.account_id = b.account_id
            AND e.resource_type = 'booking' AND e.resource_id = s.id
            AND e.event = 'booking_destroyed') AS events
  FROM {SAVED} s JOIN bookings_booking b ON b.id = s.id
)
SELECT count(*) FILTER (WHERE canceled), count(*) FILTER (WHERE NOT canceled),
       count(*) FILTER (WHERE events = 1), count(*) FILTER (WHERE events = 0),
       count(*) FILTER (WHERE events > 1)
FROM per_hold
"""


def _sweep_round(cursor, workers: int, holds: int, now) -> dict:
    _make_expired(cursor, now)
    cursor.execute("SELECT coalesce(max(id), 0) FROM events_event")
    after = cursor.fetchone()[0]
    processes, start_file = _start_processes(SWEEPER, workers)
    started = _release(processes, start_file)
    returned = _collect(processes, start_file)
    seconds = time.perf_counter() - started
    cursor.execute(SWEEP_CHECK, {"after": after})
    canceled, not_canceled, one_event, no_event, several = cursor.fetchone()
    cursor.execute("DELETE FROM events_event WHERE id > %s", [after])
    counts = [r["canceled"] for r in returned]
    return {
        "workers": workers,
        "holds": holds,
        "seconds": round(seconds, 3),
        "holds_per_s": round(holds / seconds, 1),
        "canceled_by_worker": counts,
        "worker_seconds": [round(r["seconds"], 3) for r in returned],
        "sum_of_returned_counts": sum(counts),
        "canceled_in_table": canceled,
        "not_canceled": not_canceled,
        "holds_with_one_event": one_event,
        "holds_without_event": no_event,
        "holds_with_several_events": several,
        "ok": (
            canceled == holds
            and one_event == holds
            and several == 0
            and no_event == 0
            and sum(counts) == holds
        ),
    }


def sweepers(holds: int, workers: int, rounds: int) -> dict:
    """`rounds` interleaved pairs (1 sweeper, N sweepers; then N, 1; …) on the same holds."""
    from django.db import connection
    from django.utils import timezone

    from bench.common import ratio_summary

    now = timezone.now()
    singles, severals = [], []
    with connection.cursor() as cursor:
        saved = _remember_holds(cursor, holds, now)
        log(f"sweepers: {saved} expired holds")
        try:
            for number in range(rounds):
                order = (1, workers) if number % 2 == 0 else (workers, 1)
                for count in order:
                    figures = _sweep_round(cursor, count, saved, now)
                    (singles if count == 1 else severals).append(figures)
                    log(f"  round {number + 1}, {count} sweeper(s): {figures}")
        finally:
            _restore_holds(cursor)
    speedups = ratio_summary(
        [a["seconds"] / b["seconds"] for a, b in zip(singles, severals, strict=True)]
    )
    return {
        "holds": saved,
        "rounds": rounds,
        "one_sweeper": min(singles, key=lambda r: r["seconds"]),
        "sweepers": min(severals, key=lambda r: r["seconds"]),
        "all_rounds": {"one": singles, "several": severals},
        "speedup_over_one": speedups,
        "targets": {
            "each_hold_canceled_once_with_one_event": all(r["ok"] for r in singles + severals),
            "every_sweeper_ran": all(len(r["canceled_by_worker"]) == workers for r in severals),
        },
    }


# --- 3. three webhook workers ---------------------------------------------------------------

WEBHOOK_WORKER = """
from webhooks.delivery import deliver_pass
stop = os.environ["START_FILE"] + ".stop"
totals = {"passes": 0, "created": 0, "attempted": 0, "delivered": 0}
started = time.perf_counter()
while not os.path.exists(stop):
    result = deliver_pass(time_budget=float("inf"))
    totals["passes"] += 1
    totals["created"] += result.created
    totals["attempted"] += result.attempted
    totals["delivered"] += result.delivered
    if not result.attempted and not result.created:
        time.sleep(0.05)
totals["seconds"] = time.perf_counter() - started
print(json.dumps(totals))
"""


class _CountingReceiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event_id = json.loads(body).get("event_id")
        except ValueError:
            event_id = None
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.posts[event_id] += 1  # type: ignore[attr-defined]
            self.server.last_post = time.perf_counter()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _ReceiverServer(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True


def start_counting_receiver() -> _ReceiverServer:
    server = _ReceiverServer(("127.0.0.1", 0), _CountingReceiver)
    server.posts = Counter()  # type: ignore[attr-defined]
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.last_post = 0.0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def webhook_workers(events: int, workers: int) -> dict:
    from accounts.models import Account
    from bench.webhooks import _cleanup, _record, _subscribe
    from bookings.models import Booking
    from config.celery import app
    from events.models import Event
    from webhooks.models import Delivery

    account = Account.objects.order_by("id").first()
    booking_ids = list(
        Booking.objects.filter(account=account).order_by("-id").values_list("id", flat=True)[:500]
    )
    _cleanup(account)
    receiver = start_counting_receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        subscription = _subscribe(account, url)
        after = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = [booking_ids[n % len(booking_ids)] for n in range(events)]
        for start in range(0, len(ids), 1000):
            _record(account, ids[start : start + 1000])
        expected = set(
            Event.objects.filter(
                account=account, id__gt=after, event="booking_updated"
            ).values_list("id", flat=True)
        )
        processes, start_file = _start_processes(WEBHOOK_WORKER, workers, extra_env=WORKER_ENV)
        started = _release(processes, start_file)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with receiver.lock:
                arrived = expected <= set(receiver.posts)
            if arrived:
                break
            time.sleep(0.1)
        seconds = receiver.last_post - started
        time.sleep(1.0)  # let a straggling retry or duplicate land before counting
        Path(f"{start_file}.stop").touch()
        returned = _collect(processes, start_file)
        Path(f"{start_file}.stop").unlink(missing_ok=True)
        deliveries = Delivery.objects.filter(subscription=subscription)
        delivered_rows = deliveries.filter(delivered_at__isnull=False).count()
        delivery_rows = deliveries.count()
    finally:
        _cleanup(account)
        receiver.shutdown()
        app.control.purge()  # the on-commit enqueues no worker consumed
    posts = receiver.posts  # type: ignore[attr-defined]
    received = set(posts) & expected
    duplicates = sum(count - 1 for event_id, count in posts.items() if event_id in expected)
    result = {
        "events": len(expected),
        "workers": workers,
        "seconds_to_last_post": round(seconds, 3),
        "deliveries_per_s": round(len(received) / seconds, 1) if seconds > 0 else None,
        "by_worker": returned,
        "posts": sum(posts.values()),
        "events_received": len(received),
        "events_missing": len(expected - received),
        "duplicates": duplicates,
        "unexpected_posts": sum(c for e, c in posts.items() if e not in expected),
        "delivery_rows": delivery_rows,
        "delivery_rows_delivered": delivered_rows,
        "targets": {
            "every_event_delivered_at_least_once": received == expected,
            "one_delivery_row_per_event": delivery_rows == len(expected) == delivered_rows,
        },
    }
    log(f"webhook workers: {result}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--requests", type=int, default=10, help="per client")
    parser.add_argument("--server-workers", type=int, default=2, help="per server")
    parser.add_argument("--holds", type=int, default=100_000)
    parser.add_argument("--sweepers", type=int, default=4)
    parser.add_argument("--sweep-rounds", type=int, default=3, help="interleaved 1-vs-N pairs")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--webhook-workers", type=int, default=3)
    parser.add_argument("--result", default="scaleout")
    args = parser.parse_args(argv)
    setup_django()
    from bookings.models import Booking

    servers = two_servers(args.clients, args.requests, args.server_workers)
    sweep = sweepers(args.holds, args.sweepers, args.sweep_rounds)
    webhooks = webhook_workers(args.events, args.webhook_workers)
    payload = {
        "bookings": Booking.objects.count(),
        "two_servers": servers,
        "sweepers": sweep,
        "webhook_workers": webhooks,
        "targets": {
            **{f"two_servers_{k}": v for k, v in servers["targets"].items()},
            **{f"sweepers_{k}": v for k, v in sweep["targets"].items()},
            **{f"webhook_workers_{k}": v for k, v in webhooks["targets"].items()},
        },
    }
    path = write_result(args.result, payload)
    log(f"scale-out -> {path}")
    return payload


if __name__ == "__main__":
    main()
