"""The WSGI servers side by side: gunicorn sync, gunicorn gthread and granian.

    python -m bench.servers [--seconds 5] [--pairs 5] [--workers 1] [--result servers]
    python -m bench.servers --create [--workers 4] [--requests 10] [--result servers-create]

All three serve the bench settings at once, each on its own port (BENCH_PORT, +1, +2),
with the same number of workers; wrk loads one at a time, in rotating order, round
after round, so a change of the machine's load weighs on each alike. Per endpoint (the
default list and the rental window search, API and baseline) the figure is each
server's median requests/s and its ratio to gunicorn sync's in the same round.

`--create`: instead, the contention benchmark's API run (bench/contention.py: 50
clients creating bookings on 10 rentals, new connection per request) on each server in
turn; sync gets `--workers` workers, gthread and granian `--workers / --threads`
workers of `--threads` threads (the same number of requests in flight).
"""

from __future__ import annotations

import argparse
import statistics
from contextlib import ExitStack

from bench.common import log, ratio_summary, setup_django, write_result
from bench.search import _requests, _wrk
from bench.server import PORT, SERVERS, gunicorn


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=5, help="rounds over the servers")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="gthread / granian threads")
    parser.add_argument("--result", default="servers")
    parser.add_argument("--create", action="store_true", help="creates under contention")
    parser.add_argument("--requests", type=int, default=10, help="per client (--create)")
    args = parser.parse_args(argv)
    if args.create:
        return _create(args)
    setup_django()
    from django.db import connections
    from django.utils import timezone

    from bench.fixtures import ensure_fixtures
    from rentals.models import Rental

    fixtures = ensure_fixtures()
    rentals = list(Rental.objects.values_list("id", "account_id"))
    requests = _requests(fixtures["accounts"], rentals, timezone.now())
    connections.close_all()
    loads = {
        f"{endpoint}_{variant}": pairs
        for endpoint, variants in requests.items()
        for variant, pairs in variants.items()
    }
    figures: dict[str, dict] = {}
    with ExitStack() as stack:
        bases = {
            kind: stack.enter_context(
                gunicorn(
                    args.workers,
                    threads=1 if kind == "sync" else args.threads,
                    port=PORT + number,
                    kind=kind,
                )
            )
            for number, kind in enumerate(SERVERS)
        }
        for load, pairs in loads.items():
            for base in bases.values():
                _wrk(base, pairs, seconds=args.warmup, connections=args.workers)
            rounds: dict[str, list[float]] = {kind: [] for kind in SERVERS}
            for number in range(args.pairs):
                order = SERVERS[number % 3 :] + SERVERS[: number % 3]
                for kind in order:
                    run = _wrk(bases[kind], pairs, seconds=args.seconds, connections=args.workers)
                    rounds[kind].append(run["rps"])
                log(
                    f"  {load} round {number + 1}: "
                    + ", ".join(f"{kind} {rounds[kind][-1]} rps" for kind in SERVERS)
                )
            figures[load] = {
                kind: {
                    "median_rps": round(statistics.median(rounds[kind]), 1),
                    "rps": rounds[kind],
                    "ratio_to_sync": ratio_summary(
                        [a / b for a, b in zip(rounds[kind], rounds["sync"], strict=True)]
                    ),
                }
                for kind in SERVERS
            }
    result = {
        "workers": args.workers,
        "threads": args.threads,
        "seconds_per_run": args.seconds,
        "pairs": args.pairs,
        "figures": figures,
    }
    path = write_result(args.result, result)
    log(f"servers -> {path}")
    return result


def _create(args: argparse.Namespace) -> dict:
    setup_django()
    import datetime as dt

    from django.db import connection
    from django.db.models import Max

    from bench import contention
    from bench.fixtures import ensure_fixtures
    from bookings.models import Booking
    from rentals.models import Rental

    fixtures = ensure_fixtures()
    account_id = fixtures["manager_account_id"]
    rentals = list(
        Rental.objects.filter(account_id=account_id).order_by("id").values_list("id", flat=True)
    )[:10]
    contention._cleanup_and_count_overlaps(rentals)
    last = Booking.objects.filter(rental_id__in=rentals).aggregate(last=Max("end_at"))["last"]
    plans = contention._plan(50, args.requests, rentals, (last + dt.timedelta(days=30)).date())
    connection.close()
    rounds: dict[str, list[dict]] = {kind: [] for kind in SERVERS}
    with ExitStack() as stack:
        for number, kind in enumerate(SERVERS):
            workers = args.workers if kind == "sync" else max(1, args.workers // args.threads)
            threads = 1 if kind == "sync" else args.threads
            stack.enter_context(gunicorn(workers, threads=threads, port=PORT + number, kind=kind))
        for number in range(args.pairs):
            order = SERVERS[number % 3 :] + SERVERS[: number % 3]
            for kind in order:
                port = PORT + SERVERS.index(kind)
                counts, seconds = contention._in_threads(
                    plans, contention._api_request(account_id, port)
                )
                overlaps = contention._cleanup_and_count_overlaps(rentals)
                rounds[kind].append(contention._figures(counts, seconds, overlaps))
            log(
                f"  create round {number + 1}: "
                + ", ".join(f"{k} {rounds[k][-1]['requests_per_s']} req/s" for k in SERVERS)
            )
    figures = {
        kind: {
            "median_requests_per_s": round(
                statistics.median(r["requests_per_s"] for r in rounds[kind]), 1
            ),
            "server_errors": sum(r["server_errors"] for r in rounds[kind]),
            "overlaps_after": sum(r["overlaps_after"] for r in rounds[kind]),
            "ratio_to_sync": ratio_summary(
                [
                    a["requests_per_s"] / b["requests_per_s"]
                    for a, b in zip(rounds[kind], rounds["sync"], strict=True)
                ]
            ),
            "runs": rounds[kind],
        }
        for kind in SERVERS
    }
    result = {
        "mode": "create under contention",
        "requests_in_flight": args.workers,
        "threads": args.threads,
        "pairs": args.pairs,
        "figures": figures,
    }
    path = write_result(args.result, result)
    log(f"servers (create) -> {path}")
    return result


if __name__ == "__main__":
    main()
