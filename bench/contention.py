"""Create under contention: 50 clients booking 10 rentals through the API, against raw inserts.

    python -m bench.contention [--clients 50] [--requests 20] [--workers 2] [--pairs 5]
                               [--bare] [--waits]

1. Ten rentals of the first account get a 120-day window after their last stay; every
   client draws its own seeded list of (rental, arrival, 1–7 nights), so many requests
   collide and both contenders replay exactly the same requests.
2. API: gunicorn (as deployed: 2 gthread workers x 2 threads; `--server`, `--workers`,
   `--threads` change it) serves `POST /api/v3/rentals/{id}/bookings`; 50 threads
   each send their list, one request at a time. 201 is accepted, 422 rejected, and
   anything else is counted (a 5xx is a failure of the benchmark).
3. Baselines, the floor: 50 threads, one psycopg connection each (opened before the
   clock starts and closed after it stops: connection setup is not insert work), send
   the same rows straight to bookings_booking in autocommit, one statement a row; the
   exclusion constraint's violation is the rejection. No validation, no HTTP.
   - `raw_insert`: the INSERT, behind a transaction-scoped advisory lock on the rental
     taken in the same statement. Without it two conflicting inserts can each find the
     other's uncommitted row in the constraint's index and wait for each other: a
     deadlock, which PostgreSQL only breaks after `deadlock_timeout` (1 s). 0 to 16 of
     them a run made the bare insert swing 160-2,200 req/s (`--bare` measures it again);
     serialised per rental, as the API is by its rental lock, the later insert waits for
     the earlier one's commit and then fails on the constraint at once.
   - `raw_insert_events`: the same, also writing in the same statement the two event
     rows a create writes (`booking_created`, the rental's `availability_updated`,
     bookings/services.py `_record_booking_event`): the fair floor of the service's work.
   Same durability as the API (synchronous_commit as configured, one commit a row).
4. After each run, SQL checks that no two blocking bookings overlap on those rentals,
   and counts the deadlocks PostgreSQL broke (pg_stat_database). The rows written and
   their events are removed, and the tables vacuumed, before and after each run (they
   carry source=bench-contention): dead rows left in the constraint's GiST index by one
   run made the next one's inserts slower.
5. The contenders alternate in `--pairs` interleaved rounds (API, baselines, then the
   reverse order); each ratio reported is the median of the rounds' ratios, with its
   spread. `--waits` samples pg_stat_activity's wait events every 10 ms during each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import threading
import time
from collections import Counter

from bench.common import log, ratio_summary, setup_django, write_result
from bench.fixtures import token_for
from bench.server import DEFAULT_SERVER, HOST, PORT, SERVERS, gunicorn

SOURCE = "bench-contention"
# Issue #17's target is twice the ratio of the commit it started from (48d503a), measured
# against this floor: at 1M bookings, --requests 20, 3 pairs, run ABBA with main on
# 2026-12-06 09:55-09:58 UTC (gunicorn sync 4 workers, as that commit deployed): 0.049 and
# 0.054 (docs/performance.md, "Create under contention").
START_RATIO = 0.0515
WINDOW_DAYS = 120

OVERLAPS_SQL = """
SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
  ON a.rental_id = b.rental_id AND a.id < b.id
 AND booking_occupied_period(a.start_at, a.end_at, a.buffer_before, a.buffer_after)
  && booking_occupied_period(b.start_at, b.end_at, b.buffer_before, b.buffer_after)
WHERE a.rental_id = ANY(%(rentals)s)
  AND (a.status IN ('booked', 'unavailable')
       OR (a.status = 'tentative' AND a.tentative_expires_at > now()))
  AND (b.status IN ('booked', 'unavailable')
       OR (b.status = 'tentative' AND b.tentative_expires_at > now()))
"""

INSERT_SQL = """
INSERT INTO bookings_booking (
    account_id, rental_id, locked, status, start_at, end_at, booked_at, currency, discount,
    final_price_is_manual, paid_amount, bookings_payments_count, damage_deposit,
    charge_damage_deposit_on_arrival, damage_deposit_collection_method,
    damage_deposit_external_collection_method_name, expected_checkin_time,
    expected_checkout_time, door_key_code, notes, external_reference, source, imported,
    cancelation_reason, cancelation_message_to_guest, cancelation_message_to_channel,
    created_at, updated_at)
VALUES (%s, %s, false, 'booked', %s, %s, now(), 'EUR', '', false, 0, 0, 0, true, '', '', '',
        '', '', '', '', %s, false, '', '', '', now(), now())
"""
_COLUMNS, _VALUES = INSERT_SQL.split("VALUES")
_ROW = _VALUES.strip()[1:-1]
# The same row, the same parameters and then the rental id: the advisory lock is held to
# the statement's commit, so inserts on one rental run one after the other (no deadlock).
SERIALISED_INSERT_SQL = f"""{_COLUMNS}SELECT {_ROW}
FROM (SELECT pg_advisory_xact_lock(%s)) AS serialised
"""
# And the two events of a create, in the same statement (as one INSERT in the service);
# no row is returned when the constraint refuses the booking, so no event either.
SERIALISED_INSERT_WITH_EVENTS_SQL = f"""
WITH booking AS (
{_COLUMNS}SELECT {_ROW}
FROM (SELECT pg_advisory_xact_lock(%s)) AS serialised
RETURNING id, account_id, rental_id
)
INSERT INTO events_event
    (account_id, event, resource_type, resource_id, occurred_at, actor, changes, txid)
SELECT account_id, 'booking_created', 'booking', id, now(), %s::jsonb, '{{}}'::jsonb,
       pg_current_xact_id()::text::bigint
FROM booking
UNION ALL
SELECT account_id, 'availability_updated', 'rental', rental_id, now(), %s::jsonb,
       '{{}}'::jsonb, pg_current_xact_id()::text::bigint
FROM booking
"""
# The events a run's creates wrote: those of its bookings and, written in the same
# transactions (same txid), their rentals' availability_updated.
DELETE_EVENTS_SQL = """
WITH bench AS (
    SELECT id, account_id FROM bookings_booking WHERE source = %(source)s
), created AS (
    DELETE FROM events_event e USING bench
    WHERE e.account_id = bench.account_id AND e.resource_type = 'booking'
      AND e.resource_id = bench.id
    RETURNING e.account_id, e.txid
)
DELETE FROM events_event e USING created
WHERE e.account_id = created.account_id AND e.txid = created.txid
  AND e.resource_type = 'rental' AND e.event = 'availability_updated'
"""
DEADLOCKS_SQL = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
WAITS_SQL = """
SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU')
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
  AND state = 'active' AND pid <> pg_backend_pid()
"""
BASELINES = ("raw_insert", "raw_insert_events")


def _plan(clients: int, per_client: int, rentals: list[int], first_day: dt.date) -> list[list]:
    plans = []
    for number in range(clients):
        rng = random.Random(1000 + number)
        requests = []
        for _ in range(per_client):
            day = first_day + dt.timedelta(days=rng.randrange(WINDOW_DAYS))
            start = dt.datetime.combine(day, dt.time(16), tzinfo=dt.UTC)
            end = dt.datetime.combine(day + dt.timedelta(days=rng.randint(1, 7)), dt.time(10))
            requests.append((rng.choice(rentals), start, end.replace(tzinfo=dt.UTC)))
        plans.append(requests)
    return plans


def _in_threads(plans: list[list], work, prepare=None) -> tuple[Counter, float]:
    """Run each plan in its own thread; the clock starts when every thread is ready
    (`prepare(state)`, e.g. opening its connection, runs before)."""
    counts: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(plans) + 1)

    def client(requests):
        local = Counter()
        state: dict = {}
        if prepare is not None:
            prepare(state)
        barrier.wait()
        for request in requests:
            local[work(state, request)] += 1
        with lock:
            counts.update(local)
            states.append(state)

    states: list[dict] = []
    threads = [threading.Thread(target=client, args=(p,)) for p in plans]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    for state in states:  # after the clock: closing is not insert work either
        if "connection" in state:
            state["connection"].close()
    return counts, seconds


def _api_request(account_id: int, port: int = PORT):
    headers = {
        "Authorization": f"Bearer {token_for(account_id)}",
        "Content-Type": "application/json",
    }

    def work(state, request) -> str:
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
        for attempt in range(3):
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
                connection.request("POST", f"/api/v3/rentals/{rental_id}/bookings", body, headers)
                status = connection.getresponse().status
                connection.close()
                break
            except (ConnectionError, http.client.HTTPException):
                if attempt == 2:
                    return "connection_error"
                time.sleep(0.05)
        if status == 201:
            return "accepted"
        if status == 422:
            return "rejected"
        return f"http_{status}"

    return work


def _raw_insert(dsn: dict, account_id: int, kind: str = "raw_insert"):
    """One statement a request: `raw_insert` (serialised per rental), `raw_insert_events`
    (serialised, with the create's two event rows) or `bare_insert` (deadlocks possible)."""
    import psycopg

    actor = json.dumps({"type": "system", "name": SOURCE})

    def work(state, request) -> str:
        rental_id, start, end = request
        row = (account_id, rental_id, start, end, SOURCE)
        try:
            if kind == "bare_insert":
                state["connection"].execute(INSERT_SQL, row)
            elif kind == "raw_insert":
                state["connection"].execute(SERIALISED_INSERT_SQL, (*row, rental_id))
            else:
                state["connection"].execute(
                    SERIALISED_INSERT_WITH_EVENTS_SQL, (*row, rental_id, actor, actor)
                )
        except (psycopg.errors.ExclusionViolation, psycopg.errors.DeadlockDetected):
            # Two bare inserts checking each other's uncommitted rows against the
            # constraint can deadlock; PostgreSQL then refuses one of them: a rejection too.
            return "rejected"
        return "accepted"

    return work


def _raw_connect(dsn: dict):
    import psycopg

    def prepare(state) -> None:
        state["connection"] = psycopg.connect(**dsn, autocommit=True)

    return prepare


def _cleanup_and_count_overlaps(rentals: list[int]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL, {"rentals": rentals})
        overlaps = cursor.fetchone()[0]
        cursor.execute(DELETE_EVENTS_SQL, {"source": SOURCE})
        cursor.execute("DELETE FROM bookings_booking WHERE source = %s", [SOURCE])
    # Outside a transaction (Django autocommit): the next run starts on a clean index.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bookings_booking, events_event")
    return overlaps


def _deadlocks() -> int:
    """Deadlocks PostgreSQL has broken in the bench database (read after a run's clients
    have disconnected, so their counts are flushed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DEADLOCKS_SQL)
        return cursor.fetchone()[0]


class _WaitSampler:
    """`--waits`: what the database's client backends wait on, every 10 ms, on its own
    connection (shares of the samples, `CPU` when running)."""

    def __init__(self, dsn: dict | None):
        self.dsn, self.samples = dsn, Counter()
        self.stop = threading.Event()

    def __enter__(self):
        if self.dsn is not None:
            self.thread = threading.Thread(target=self._run)
            self.thread.start()
        return self

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(**self.dsn, autocommit=True) as connection:
            while not self.stop.wait(0.01):
                for (event,) in connection.execute(WAITS_SQL):
                    self.samples[event] += 1

    def __exit__(self, *exc) -> None:
        if self.dsn is not None:
            self.stop.set()
            self.thread.join()

    def shares(self) -> dict[str, float]:
        total = sum(self.samples.values()) or 1
        return {k: round(v / total, 3) for k, v in self.samples.most_common(6)}


def _figures(counts: Counter, seconds: float, overlaps: int) -> dict:
    done = counts["accepted"] + counts["rejected"]
    return {
        "seconds": round(seconds, 3),
        "accepted": counts["accepted"],
        "rejected": counts["rejected"],
        "other": {k: v for k, v in counts.items() if k not in ("accepted", "rejected")},
        "server_errors": sum(v for k, v in counts.items() if k.startswith("http_5")),
        "accepted_per_s": round(counts["accepted"] / seconds, 1),
        "rejected_per_s": round(counts["rejected"] / seconds, 1),
        "requests_per_s": round(done / seconds, 1),
        "overlaps_after": overlaps,
    }


def _median_figures(runs: list[dict]) -> dict:
    """Rates as medians over the pairs; counts of failures summed (any one is a failure)."""
    rates = ("seconds", "accepted_per_s", "rejected_per_s", "requests_per_s")
    figures = {key: round(statistics.median(run[key] for run in runs), 3) for key in rates}
    requests = [run["requests_per_s"] for run in runs]
    figures["requests_per_s_spread"] = [min(requests), max(requests)]
    figures["accepted"] = runs[0]["accepted"]
    figures["rejected"] = runs[0]["rejected"]
    figures["server_errors"] = sum(run["server_errors"] for run in runs)
    figures["other"] = {k: v for run in runs for k, v in run["other"].items()}
    figures["overlaps_after"] = sum(run["overlaps_after"] for run in runs)
    figures["deadlocks"] = sum(run.get("deadlocks", 0) for run in runs)
    figures["runs"] = runs
    return figures


def _run(contender: str, plans: list[list], dsn: dict, account_id: int) -> tuple[Counter, float]:
    if contender == "api":
        return _in_threads(plans, _api_request(account_id))
    return _in_threads(plans, _raw_insert(dsn, account_id, contender), prepare=_raw_connect(dsn))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=5, help="interleaved API/baseline pairs")
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("--threads", type=int, default=2, help="per worker (gthread, granian)")
    parser.add_argument("--result", default="contention")
    parser.add_argument(
        "--bare", action="store_true", help="also the unserialised insert (deadlocks)"
    )
    parser.add_argument("--waits", action="store_true", help="sample wait events")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.db.models import Max

    from bench.fixtures import ensure_fixtures
    from bookings.models import Booking
    from rentals.models import Rental

    fixtures = ensure_fixtures()
    account_id = fixtures["manager_account_id"]
    rentals = list(
        Rental.objects.filter(account_id=account_id).order_by("id").values_list("id", flat=True)
    )[:10]
    _cleanup_and_count_overlaps(rentals)
    last = Booking.objects.filter(rental_id__in=rentals).aggregate(last=Max("end_at"))["last"]
    plans = _plan(args.clients, args.requests, rentals, (last + dt.timedelta(days=30)).date())
    settings = connection.settings_dict
    dsn = {
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "dbname": settings["NAME"],
    }
    connection.close()

    contenders = ["api", *BASELINES] + (["bare_insert"] if args.bare else [])
    rounds: dict[str, list[dict]] = {name: [] for name in contenders}
    deadlocks = _deadlocks()
    connection.close()
    with gunicorn(args.workers, threads=args.threads, kind=args.server):
        for number in range(args.pairs):
            order = contenders if number % 2 == 0 else contenders[::-1]
            for contender in order:
                with _WaitSampler(dsn if args.waits else None) as waits:
                    counts, seconds = _run(contender, plans, dsn, account_id)
                figures = _figures(counts, seconds, _cleanup_and_count_overlaps(rentals))
                before, deadlocks = deadlocks, _deadlocks()
                figures["deadlocks"] = deadlocks - before
                figures["load_1m"] = round(os.getloadavg()[0], 2)
                if args.waits:
                    figures["waits"] = waits.shares()
                connection.close()
                rounds[contender].append(figures)
                log(f"  pair {number + 1} {contender}: {figures}")
    medians = {name: _median_figures(runs) for name, runs in rounds.items()}
    api = medians["api"]
    spreads = {
        name: ratio_summary(
            [
                a["requests_per_s"] / b["requests_per_s"]
                for a, b in zip(rounds["api"], rounds[name], strict=True)
            ]
        )
        for name in contenders[1:]
    }
    spread = spreads["raw_insert"]
    if args.bare:
        # The old floor at its best: its runs that no deadlock stalled, if any.
        lucky = [run["requests_per_s"] for run in rounds["bare_insert"] if not run["deadlocks"]]
        medians["bare_insert"]["without_deadlocks_requests_per_s"] = (
            statistics.median(lucky) if lucky else None
        )

    result = {
        "bookings": Booking.objects.count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "clients": args.clients,
        "requests_per_client": args.requests,
        "rentals": rentals,
        "window_days": WINDOW_DAYS,
        "server": {"kind": args.server, "workers": args.workers, "threads": args.threads},
        **medians,
        "pairs": args.pairs,
        "ratio_api_over_raw_requests_per_s": spread["median"],
        "ratio_spread": spread,
        "ratio_api_over_raw_accepted_per_s": round(
            api["accepted_per_s"] / medians["raw_insert"]["accepted_per_s"], 3
        ),
        "ratio_api_over_raw_with_events_requests_per_s": spreads["raw_insert_events"]["median"],
        "ratio_spreads": spreads,
        "targets": {
            "at_least_twice_the_start_ratio": spread["median"] >= 2 * START_RATIO,
            "zero_5xx": api["server_errors"] == 0 and not api["other"],
            "zero_overlaps": all(medians[name]["overlaps_after"] == 0 for name in contenders),
        },
    }
    path = write_result(args.result, result)
    log(f"contention -> {path}")
    return result


if __name__ == "__main__":
    main()
