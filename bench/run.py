"""Run every benchmark end to end: `make bench` (small) or `make bench-full` (1M bookings).

    python -m bench.run --size small|full
    python -m bench.run --size full --only search contention   # rerun some, keep the rest

Creates and migrates the bench database if needed, generates the data, then runs the
plans, sweep, search, contention, series, admin, webhooks, calendars, slots and
scale-out benchmarks, each in its own process, and
writes bench/results/summary[-small].json with every figure against its target.
Small runs write `*-small` files (ignored by git); full runs overwrite the committed ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from urllib.parse import urlsplit

from bench.common import PYTHON, RESULTS, ROOT, bench_env, log, write_result

STEPS = (
    "plans",
    "sweep",
    "search",
    "contention",
    "series",
    "admin",
    "webhooks",
    "calendars",
    "slots",
    "scaleout",
)
SIZES = {
    "small": {
        "bookings": 50_000,
        "rentals": 500,
        "holds": 10_000,
        "search_seconds": 3,
        "contention_requests": 10,
        "admin_repeat": 5,
        "webhook_events": 2000,
        "calendar_repeat": 10,
        "slot_clients": 50,
        "scaleout": ["--clients", "20", "--requests", "5", "--holds", "10000", "--events", "1000"],
        "suffix": "-small",
    },
    "full": {
        "bookings": 1_000_000,
        "rentals": 10_000,
        "holds": 100_000,
        "search_seconds": 6,
        "contention_requests": 20,
        "admin_repeat": 10,
        "webhook_events": 5000,
        "calendar_repeat": 30,
        "slot_clients": 50,
        "scaleout": [
            "--clients",
            "40",
            "--requests",
            "20",
            "--holds",
            "100000",
            "--events",
            "10000",
        ],
        "suffix": "",
    },
}


def _ensure_database(env: dict[str, str]) -> None:
    import psycopg

    url = urlsplit(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    with psycopg.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def _step(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    log(f"$ python {' '.join(args)}")
    subprocess.run([PYTHON, *args], cwd=ROOT, env=env, check=True)
    return round(time.perf_counter() - start, 1)


def _load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--skip-generate", action="store_true", help="reuse the loaded data")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=STEPS,
        help="rerun these benchmarks on the loaded data; the others' results are kept",
    )
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    suffix = size["suffix"]
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed for the search benchmark: apt-get install -y wrk")
    env = bench_env()
    _ensure_database(env)
    durations = {"migrate": _step(env, "manage.py", "migrate", "--noinput", "-v0")}
    if not (args.skip_generate or args.only):
        durations["generate"] = _step(
            env,
            "-m",
            "bench.generate",
            "--bookings",
            str(size["bookings"]),
            "--rentals",
            str(size["rentals"]),
        )
    steps = {
        "plans": [],
        "sweep": ["--holds", str(size["holds"])],
        "search": ["--seconds", str(size["search_seconds"])],
        "contention": ["--requests", str(size["contention_requests"])],
        "series": [],
        "admin": ["--repeat", str(size["admin_repeat"])],
        "webhooks": ["--events", str(size["webhook_events"])],
        "calendars": ["--repeat", str(size["calendar_repeat"])],
        "slots": ["--clients", str(size["slot_clients"])],
        "scaleout": size["scaleout"],
    }
    for name, options in steps.items():
        if args.only is None or name in args.only:
            durations[name] = _step(
                env, "-m", f"bench.{name}", *options, "--result", f"{name}{suffix}"
            )

    plans, sweep, search = (
        _load(f"plans{suffix}"),
        _load(f"sweep{suffix}"),
        _load(f"search{suffix}"),
    )
    contention, admin = _load(f"contention{suffix}"), _load(f"admin{suffix}")
    webhooks = _load(f"webhooks{suffix}")
    series = _load(f"series{suffix}")
    calendars = _load(f"calendars{suffix}")
    slots, scaleout = _load(f"slots{suffix}"), _load(f"scaleout{suffix}")
    summary = {
        "size": args.size,
        "bookings": sweep["bookings"],
        "durations_s": durations,
        "rerun_only": args.only,
        "targets": {
            "plans_no_seq_scan_on_bookings": plans["no_seq_scan_on_bookings"],
            "sweep_within_3x_raw_update_with_events": sweep["met"],
            "search_p99_under_50ms_one_worker": search["targets"]["p99_under_50ms_one_worker"],
            "search_at_least_0_6_of_baseline": search["targets"][
                "at_least_0_6_of_baseline_one_worker"
            ],
            "create_at_least_twice_the_start_ratio": contention["targets"][
                "at_least_twice_the_start_ratio"
            ],
            "create_zero_5xx": contention["targets"]["zero_5xx"],
            "create_zero_overlaps": contention["targets"]["zero_overlaps"],
            **{f"series_{name}": met for name, met in series["targets"].items()},
            "admin_under_300ms": admin["met"],
            **{f"webhooks_{name}": met for name, met in webhooks["targets"].items()},
            **{f"calendars_{name}": met for name, met in calendars["targets"].items()},
            **{f"slots_{name}": met for name, met in slots["targets"].items()},
            **{f"scaleout_{name}": met for name, met in scaleout["targets"].items()},
        },
        "figures": {
            "sweep_ratio": sweep["ratio_service_over_raw"],
            "sweep_longest_batch_ms": sweep["service"]["longest_batch_ms"],
            "search": {
                name: {
                    "api_rps": run["api"]["rps"],
                    "api_p50_ms": run["api"]["p50_ms"],
                    "api_p99_ms": run["api"]["p99_ms"],
                    "baseline_rps": run["baseline"]["rps"],
                    "ratio": run["ratio_api_over_baseline_rps"],
                }
                for name, run in search["runs"].items()
            },
            "create_ratio": contention["ratio_api_over_raw_requests_per_s"],
            "create_api_accepted_per_s": contention["api"]["accepted_per_s"],
            "create_api_rejected_per_s": contention["api"]["rejected_per_s"],
            "series_366_service_s": series["service_seconds"]["median"],
            "series_366_ratio_over_raw": series["ratio_service_over_raw"],
            "admin_slowest_p50_ms": admin["slowest_p50_ms"],
            "webhook_deliveries_per_s": webhooks["throughput"]["pipeline"]["deliveries_per_s"],
            "webhook_ratio_over_raw_posts": webhooks["throughput"]["ratio_pipeline_over_raw"],
            "webhook_latency": {
                f"{run['workers']}_workers": {"p50_ms": run["p50_ms"], "p99_ms": run["p99_ms"]}
                for run in webhooks["latency"]
            },
            "idempotency_ratio": webhooks["idempotency"]["ratio_with_over_without"]["median"],
            "idempotency_extra_statements": webhooks["idempotency"]["extra_statements"],
            "calendars": {
                name: calendars[name]["api"]["p99_ms"]
                for name in ("maps_100_rentals", "map_one_rental", "export_uncached")
            }
            | {"import_2000_events_s": calendars["import"]["seconds"]},
            "slots_ratio_over_raw_sql": slots["ratio_api_over_raw_requests_per_s"],
            "slots_api_requests_per_s": slots["api"]["requests_per_s"],
            "scaleout_two_servers_requests_per_s": scaleout["two_servers"]["requests_per_s"],
            "scaleout_sweepers_holds_per_s": scaleout["sweepers"]["sweepers"]["holds_per_s"],
            "scaleout_one_sweeper_holds_per_s": scaleout["sweepers"]["one_sweeper"]["holds_per_s"],
            "scaleout_sweepers_speedup": scaleout["sweepers"]["speedup_over_one"]["median"],
            "scaleout_webhook_duplicates": scaleout["webhook_workers"]["duplicates"],
            "scaleout_webhook_deliveries_per_s": scaleout["webhook_workers"]["deliveries_per_s"],
        },
    }
    path = write_result(f"summary{suffix}", summary)
    log(f"summary -> {path}")
    for target, met in summary["targets"].items():
        log(f"  {'met   ' if met else 'MISSED'} {target}")


if __name__ == "__main__":
    main()
