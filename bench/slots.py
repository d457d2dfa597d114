"""Slot contention: N concurrent bookings of one slot of capacity C, API against raw SQL.

    python -m bench.slots [--clients 50] [--capacity 3] [--pairs 5] [--workers 4]

1. One published rental of the first account ("bench-slots") gets, per round, a fresh
   one-hour slot of capacity C (through `slots.services.slot_create`), far in the future.
2. API: gunicorn (sync workers) serves the Overbooked API; `--clients` threads, released
   together, each send one `POST /api/overbooked/v1/bookings {"slot_id": …}` with a
   public key. 200 is a booking, 422 E049 ("not enough Slot capacity") a refusal;
   anything else is counted (a 5xx fails the benchmark).
3. Baseline, the floor: the same number of threads, one psycopg connection each (opened
   before the clock starts), each run the minimum correct transaction — lock the slot
   row (`SELECT … FOR UPDATE`), count its active bookings, INSERT if below capacity,
   COMMIT. No validation, no event, no HTTP.
4. After every round, SQL counts the slot's active bookings: exactly C each time.
   API and baseline alternate in `--pairs` interleaved pairs (ABBA); the ratio reported
   is the median of the pairs' ratios of requests per second, with its spread.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import statistics
import threading
import time
from collections import Counter

from bench.common import log, ratio_summary, setup_django, write_result
from bench.server import HOST, gunicorn

PORT = 8777
RENTAL_NAME = "bench-slots"
FIRST = dt.datetime(2160, 1, 1, 8, tzinfo=dt.UTC)

COUNT_SQL = (
    "SELECT count(*) FROM bookings_booking "
    "WHERE account_id = %s AND slot_id = %s AND status <> 'canceled'"
)
RAW_LOCK = "SELECT capacity FROM slots_slot WHERE account_id = %s AND id = %s FOR UPDATE"
RAW_INSERT = """
INSERT INTO bookings_booking (
    account_id, rental_id, slot_id, public_id, locked, status, start_at, end_at, booked_at,
    currency, discount, final_price_is_manual, paid_amount, bookings_payments_count,
    damage_deposit, charge_damage_deposit_on_arrival, damage_deposit_collection_method,
    damage_deposit_external_collection_method_name, expected_checkin_time,
    expected_checkout_time, door_key_code, notes, external_reference, source, imported,
    cancelation_reason, cancelation_message_to_guest, cancelation_message_to_channel,
    created_at, updated_at)
VALUES (%s, %s, %s, gen_random_uuid(), false, 'booked', %s, %s, now(), '', '', false, 0, 0,
        0, true, '', '', '', '', '', '', '', 'bench-slots', false, '', '', '', now(), now())
"""


def _in_threads(count: int, work, prepare=None) -> tuple[Counter, float]:
    counts: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(count + 1)

    def client() -> None:
        state: dict = {}
        if prepare is not None:
            prepare(state)
        barrier.wait()
        outcome = work(state)
        if "connection" in state:
            state["connection"].close()
        with lock:
            counts[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return counts, time.perf_counter() - started


def _api(key: str, slot_public_id: str):
    body = json.dumps({"slot_id": slot_public_id})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def work(state) -> str:
        for attempt in range(3):
            try:
                connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
                connection.request("POST", "/api/overbooked/v1/bookings", body, headers)
                response = connection.getresponse()
                status, payload = response.status, response.read()
                connection.close()
                break
            except (ConnectionError, http.client.HTTPException):
                if attempt == 2:
                    return "connection_error"
                time.sleep(0.05)
        if status == 200:
            return "booked"
        if status == 422 and json.loads(payload)["error"]["code"] == "E049":
            return "refused"
        return f"http_{status}"

    return work


def _raw(dsn: dict, slot) -> tuple:
    import psycopg

    def prepare(state) -> None:
        state["connection"] = psycopg.connect(**dsn)

    def work(state) -> str:
        connection = state["connection"]
        with connection.transaction():
            capacity = connection.execute(RAW_LOCK, (slot.account_id, slot.pk)).fetchone()[0]
            taken = connection.execute(COUNT_SQL, (slot.account_id, slot.pk)).fetchone()[0]
            if taken >= capacity:
                return "refused"
            connection.execute(
                RAW_INSERT,
                (slot.account_id, slot.rental_id, slot.pk, slot.start_at, slot.end_at),
            )
        return "booked"

    return prepare, work


def _figures(counts: Counter, seconds: float, booked_in_table: int, capacity: int) -> dict:
    return {
        "seconds": round(seconds, 4),
        "requests_per_s": round(sum(counts.values()) / seconds, 1),
        "booked": counts["booked"],
        "refused": counts["refused"],
        "other": {k: v for k, v in counts.items() if k not in ("booked", "refused")},
        "server_errors": sum(v for k, v in counts.items() if k.startswith("http_5")),
        "booked_in_table": booked_in_table,
        "exactly_capacity": booked_in_table == capacity == counts["booked"],
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=5, help="interleaved API/baseline pairs")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--result", default="slots")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    from accounts.models import Account, ApiKey
    from accounts.services import api_key_create
    from bookings.models import Booking
    from events.actors import Actor
    from rentals.models import Rental
    from slots.models import Slot
    from slots.services import slot_create

    account = Account.objects.order_by("id").first()
    rental, _ = Rental.objects.get_or_create(account=account, name=RENTAL_NAME)

    def cleanup() -> None:
        Booking.objects.filter(account=account, rental=rental).delete()
        Slot.objects.filter(account=account, rental=rental).delete()

    cleanup()
    api_key, key = api_key_create(account=account, kind="public", name="bench-slots")
    settings = connection.settings_dict
    dsn = {
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "dbname": settings["NAME"],
    }
    rounds: dict[str, list[dict]] = {"api": [], "raw_sql": []}
    hour = iter(range(10_000))
    try:
        with gunicorn(args.workers, port=PORT):
            for number in range(args.pairs):
                order = ("api", "raw_sql") if number % 2 == 0 else ("raw_sql", "api")
                for contender in order:
                    start = FIRST + dt.timedelta(hours=2 * next(hour))
                    slot = slot_create(
                        rental=rental,
                        start_at=start,
                        end_at=start + dt.timedelta(hours=1),
                        capacity=args.capacity,
                        actor=Actor.system("bench"),
                    )
                    connection.close()  # the threads' transactions must not wait on ours
                    if contender == "api":
                        counts, seconds = _in_threads(args.clients, _api(key, str(slot.public_id)))
                    else:
                        prepare, work = _raw(dsn, slot)
                        counts, seconds = _in_threads(args.clients, work, prepare)
                    with connection.cursor() as cursor:
                        cursor.execute(COUNT_SQL, [account.pk, slot.pk])
                        in_table = cursor.fetchone()[0]
                    figures = _figures(counts, seconds, in_table, args.capacity)
                    rounds[contender].append(figures)
                    log(f"  pair {number + 1} {contender}: {figures}")
    finally:
        cleanup()
        ApiKey.objects.filter(pk=api_key.pk).delete()
    ratios = [
        a["requests_per_s"] / b["requests_per_s"]
        for a, b in zip(rounds["api"], rounds["raw_sql"], strict=True)
    ]
    spread = ratio_summary(ratios)

    def medians(runs: list[dict]) -> dict:
        return {
            "seconds": round(statistics.median(r["seconds"] for r in runs), 4),
            "requests_per_s": round(statistics.median(r["requests_per_s"] for r in runs), 1),
            "server_errors": sum(r["server_errors"] for r in runs),
            "other": {k: v for r in runs for k, v in r["other"].items()},
            "every_round_exactly_capacity": all(r["exactly_capacity"] for r in runs),
            "runs": runs,
        }

    api, raw = medians(rounds["api"]), medians(rounds["raw_sql"])
    result = {
        "clients": args.clients,
        "capacity": args.capacity,
        "gunicorn_sync_workers": args.workers,
        "api": api,
        "raw_sql": raw,
        "pairs": args.pairs,
        "ratio_api_over_raw_requests_per_s": spread["median"],
        "ratio_spread": spread,
        "targets": {
            "exactly_capacity_booked": api["every_round_exactly_capacity"]
            and raw["every_round_exactly_capacity"],
            "rest_refused_e049": all(
                r["refused"] == args.clients - args.capacity for r in rounds["api"]
            ),
            "zero_5xx": api["server_errors"] == 0 and not api["other"],
        },
    }
    path = write_result(args.result, result)
    log(f"slots: ratio {spread['median']} -> {path}")
    return result


if __name__ == "__main__":
    main()
