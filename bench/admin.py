"""Admin benchmark: the bookings changelist, a filtered list and searches, server side.

    python -m bench.admin [--repeat 10]

Each page is requested in-process with Django's test client (middleware, session auth,
the ModelAdmin, template rendering — everything but the network), logged in as the
superuser (every account) and as a manager (one account). After two warm-up requests,
`--repeat` requests are timed; the query count comes from CaptureQueriesContext.
"""

from __future__ import annotations

import argparse
import time

from bench.common import log, setup_django, summary_ms, write_result

TARGET_MS = 300


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--result", default="admin")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.fixtures import ensure_fixtures
    from bench.scenarios import ADMIN_SCENARIOS, ADMIN_USERS, Run
    from bookings.models import Booking

    ensure_fixtures()
    run = Run.on_bench_data()
    run.log_in(*ADMIN_USERS.values())
    pages: dict[str, dict] = {}
    for name, scenario in ADMIN_SCENARIOS.items():
        for role, username in ADMIN_USERS.items():
            for _ in range(2):
                scenario(run, username)
            seconds = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = scenario(run, username)
                    seconds.append(time.perf_counter() - start)
            figures = {
                **summary_ms(seconds),
                "queries": len(queries.captured_queries),
                "bytes": len(response.content),
            }
            pages[f"{name}_{role}"] = figures
            log(f"  {name} ({role}): {figures}")
    result = {
        "bookings": Booking.objects.count(),
        "repeat": args.repeat,
        "pages": pages,
        "target_ms": TARGET_MS,
        "met": all(page["p50_ms"] < TARGET_MS for page in pages.values()),
        "slowest_p50_ms": max(page["p50_ms"] for page in pages.values()),
    }
    path = write_result(args.result, result)
    log(f"admin -> {path}")
    return result


if __name__ == "__main__":
    main()
