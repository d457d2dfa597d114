"""The WSGI servers side by side: gunicorn sync, gunicorn gthread and granian.

    python -m bench.servers [--seconds 5] [--pairs 5] [--workers 1] [--result servers]

All three serve the bench settings at once, each on its own port (BENCH_PORT, +1, +2),
with the same number of workers; wrk loads one at a time, in rotating order, round
after round, so a change of the machine's load weighs on each alike. Per endpoint (the
default list and the rental window search, API and baseline) the figure is each
server's median requests/s and its ratio to gunicorn sync's in the same round.
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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    main()
