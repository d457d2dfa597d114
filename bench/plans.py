"""Query plans of the main reads at full size, saved; fails if one scans bookings whole.

    python -m bench.plans [--result plans]

Each scenario (bench/scenarios.py: the API's searches, the service's overlap check, the
sweep, the admin lists) runs for real, in-process, inside a transaction that is rolled
back. Every distinct SELECT or UPDATE it sends on bookings_booking is first run as
EXPLAIN (ANALYZE, BUFFERS) on the same connection, in the same transaction state, with
the same parameters — so the plans are those of the SQL the code really issues, not of
a hand-written copy. Plans go to bench/results/plans/<scenario>.txt; the summary JSON
lists each query's time and whether it seq-scans bookings_booking.
"""

from __future__ import annotations

import argparse
import re
import sys

from bench.common import RESULTS, log, setup_django, write_result

SEQ_SCAN = re.compile(r"Seq Scan on bookings_booking\b")
EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


class _Rollback(Exception):
    pass


def explain_scenario(run, scenario) -> list[dict]:
    from django.db import connection, transaction

    plans: dict[str, dict] = {}
    busy = False

    def explain_first(execute, sql, params, many, context):
        nonlocal busy
        if (
            not busy
            and not many
            and sql.lstrip().upper().startswith(("SELECT", "UPDATE"))
            and "bookings_booking" in sql
            and sql not in plans
        ):
            busy = True
            try:
                cursor = context["cursor"]
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                text = "\n".join(row[0] for row in cursor.fetchall())
            finally:
                busy = False
            executed = cursor.db.ops.last_executed_query(cursor.cursor, sql, params)
            plans[sql] = {
                "sql": executed.removeprefix("EXPLAIN (ANALYZE, BUFFERS) "),
                "plan": text,
                "execution_ms": float(EXECUTION.search(text).group(1)),
                "seq_scan_on_bookings": bool(SEQ_SCAN.search(text)),
            }
        return execute(sql, params, many, context)

    try:
        with transaction.atomic(), connection.execute_wrapper(explain_first):
            scenario(run)
            raise _Rollback
    except _Rollback:
        pass
    return list(plans.values())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--result", default="plans")
    args = parser.parse_args(argv)
    setup_django()
    from bench.fixtures import ensure_fixtures
    from bench.scenarios import (
        ADMIN_SCENARIOS,
        ADMIN_USERS,
        API_SCENARIOS,
        SERVICE_SCENARIOS,
        Run,
        keep_connection_across_requests,
    )
    from bookings.models import Booking

    ensure_fixtures()
    keep_connection_across_requests()
    run = Run.on_bench_data()
    run.log_in(*ADMIN_USERS.values())
    scenarios = {**API_SCENARIOS, **SERVICE_SCENARIOS}
    for name, scenario in ADMIN_SCENARIOS.items():
        for role, username in ADMIN_USERS.items():
            scenarios[f"{name}_{role}"] = lambda r, s=scenario, u=username: s(r, u)

    folder = RESULTS / f"{args.result}"
    folder.mkdir(parents=True, exist_ok=True)
    summary: dict[str, list[dict]] = {}
    for name, scenario in scenarios.items():
        queries = explain_scenario(run, scenario)
        (folder / f"{name}.txt").write_text(
            "\n\n".join(f"-- {q['sql']}\n{q['plan']}" for q in queries) + "\n"
        )
        summary[name] = [
            {
                "sql": q["sql"][:300],
                "execution_ms": q["execution_ms"],
                "seq_scan_on_bookings": q["seq_scan_on_bookings"],
            }
            for q in queries
        ]
        slowest = max((q["execution_ms"] for q in queries), default=0)
        scans = sum(q["seq_scan_on_bookings"] for q in queries)
        log(f"  {name}: {len(queries)} queries, slowest {slowest} ms, seq scans {scans}")
    offenders = [
        name for name, queries in summary.items() if any(q["seq_scan_on_bookings"] for q in queries)
    ]
    result = {
        "bookings": Booking.objects.count(),
        "no_seq_scan_on_bookings": not offenders,
        "offenders": offenders,
        "scenarios": summary,
    }
    path = write_result(args.result, result)
    log(f"plans -> {path} and {folder}/")
    if offenders:
        log(f"Seq Scan on bookings_booking in: {', '.join(offenders)}")
        sys.exit(1)
    return result


if __name__ == "__main__":
    main()
