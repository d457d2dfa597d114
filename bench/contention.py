"""Create under contention: 50 clients booking 10 rentals through the API, against raw inserts.

    python -m bench.contention [--clients 50] [--requests 20] [--workers 4]

1. Ten rentals of the first account get a 120-day window after their last stay; every
   client draws its own seeded list of (rental, arrival, 1–7 nights), so many requests
   collide and both contenders replay exactly the same requests.
2. API: gunicorn (as deployed: 2 gthread workers x 2 threads; `--server`, `--workers`,
   `--threads` change it) serves `POST /api/v3/rentals/{id}/bookings`; 50 threads
   each send their list, one request at a time. 201 is accepted, 422 rejected, and
   anything else is counted (a 5xx is a failure of the benchmark).
3. Baseline, the floor: 50 threads, one psycopg connection each (opened before the
   clock starts: connection setup is not insert work), INSERT the same rows straight
   into bookings_booking in autocommit; the exclusion constraint's violation is the
   rejection. No lock, no validation, no HTTP.
4. After each run, SQL checks that no two blocking bookings overlap on those rentals.
   The rows written are removed, and the table vacuumed, before and after each run (they
   carry source=bench-contention): dead rows left in the constraint's GiST index by one
   run made the next one's inserts slower, which is why the baseline used to vary 3x.
5. API and baseline alternate in `--pairs` interleaved pairs (ABBA order); the ratio
   reported is the median of the pairs' ratios, with its spread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import statistics
import threading
import time
from collections import Counter

from bench.common import log, ratio_summary, setup_django, write_result
from bench.fixtures import token_for
from bench.server import DEFAULT_SERVER, HOST, PORT, SERVERS, gunicorn

SOURCE = "bench-contention"
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
        if "connection" in state:
            state["connection"].close()
        with lock:
            counts.update(local)

    threads = [threading.Thread(target=client, args=(p,)) for p in plans]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return counts, time.perf_counter() - start


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


def _raw_insert(dsn: dict, account_id: int):
    import psycopg

    def work(state, request) -> str:
        rental_id, start, end = request
        try:
            state["connection"].execute(INSERT_SQL, (account_id, rental_id, start, end, SOURCE))
        except (psycopg.errors.ExclusionViolation, psycopg.errors.DeadlockDetected):
            # Two inserts checking each other's uncommitted rows against the constraint
            # can deadlock; PostgreSQL then refuses one of them: a rejection too.
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
        cursor.execute("DELETE FROM bookings_booking WHERE source = %s", [SOURCE])
    # Outside a transaction (Django autocommit): the next run starts on a clean index.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bookings_booking")
    return overlaps


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
    figures["accepted"] = runs[0]["accepted"]
    figures["rejected"] = runs[0]["rejected"]
    figures["server_errors"] = sum(run["server_errors"] for run in runs)
    figures["other"] = {k: v for run in runs for k, v in run["other"].items()}
    figures["overlaps_after"] = sum(run["overlaps_after"] for run in runs)
    figures["runs"] = runs
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=5, help="interleaved API/baseline pairs")
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("--threads", type=int, default=2, help="per worker (gthread, granian)")
    parser.add_argument("--result", default="contention")
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

    rounds: dict[str, list[dict]] = {"api": [], "raw_insert": []}
    with gunicorn(args.workers, threads=args.threads, kind=args.server):
        for number in range(args.pairs):
            order = ("api", "raw_insert") if number % 2 == 0 else ("raw_insert", "api")
            for contender in order:
                if contender == "api":
                    counts, seconds = _in_threads(plans, _api_request(account_id))
                else:
                    counts, seconds = _in_threads(
                        plans, _raw_insert(dsn, account_id), prepare=_raw_connect(dsn)
                    )
                figures = _figures(counts, seconds, _cleanup_and_count_overlaps(rentals))
                rounds[contender].append(figures)
                log(f"  pair {number + 1} {contender}: {figures}")
    api, raw = _median_figures(rounds["api"]), _median_figures(rounds["raw_insert"])
    ratios = [
        a["requests_per_s"] / b["requests_per_s"]
        for a, b in zip(rounds["api"], rounds["raw_insert"], strict=True)
    ]
    spread = ratio_summary(ratios)

    result = {
        "bookings": Booking.objects.count(),
        "clients": args.clients,
        "requests_per_client": args.requests,
        "rentals": rentals,
        "window_days": WINDOW_DAYS,
        "server": {"kind": args.server, "workers": args.workers, "threads": args.threads},
        "api": api,
        "raw_insert": raw,
        "pairs": args.pairs,
        "ratio_api_over_raw_requests_per_s": spread["median"],
        "ratio_spread": spread,
        "ratio_api_over_raw_accepted_per_s": round(
            api["accepted_per_s"] / raw["accepted_per_s"], 3
        ),
        "targets": {
            "at_least_quarter_of_raw": spread["median"] >= 0.25,
            "zero_5xx": api["server_errors"] == 0 and not api["other"],
            "zero_overlaps": api["overlaps_after"] == 0 and raw["overlaps_after"] == 0,
        },
    }
    path = write_result(args.result, result)
    log(f"contention -> {path}")
    return result


if __name__ == "__main__":
    main()
