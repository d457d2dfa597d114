"""Search benchmark: the API's bookings search under wrk, against a bare Django baseline.

    python -m bench.search [--seconds 15] [--workers 1 2]

For each worker count, gunicorn (gthread workers as deployed, bench settings; `--server`
picks another) serves both the API and
the baseline view (bench/baseline.py) at once; wrk, a separate process, loads one
endpoint at a time with as many connections as there are workers (each worker always
has a request to serve, and latency is service time, not time spent queued), after a
short warm-up. API and baseline alternate in `--pairs` interleaved pairs (ABBA order,
so a drift of the machine weighs on both alike); the ratio reported is the median of
the pairs' ratios, with its spread. Two searches, 100 bookings per page:

* the default list, `GET /api/v3/bookings` (not over, not canceled, by start), spread
  over every account's token;
* `GET /api/v3/bookings?rental_id=…&from=…&until=…`, 90-day windows on random rentals.

The baseline gets the same requests (account by query parameter instead of token).
Reported: requests/s, p50, p99 (wrk's own histogram), non-2xx count, and API/baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from bench.common import log, ratio_summary, setup_django, write_result
from bench.fixtures import token_for
from bench.server import DEFAULT_SERVER, SERVERS, gunicorn

LUA = """
local requests_list = {%(requests)s}
local counter = 0
request = function()
  counter = counter + 1
  local item = requests_list[(counter %% #requests_list) + 1]
  if item[2] == "" then return wrk.format("GET", item[1]) end
  return wrk.format("GET", item[1], {["Authorization"] = item[2]})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
"""


def _requests(account_ids: list[int], rentals: list[tuple[int, int]], now: dt.datetime) -> dict:
    """(path, Authorization) pairs per endpoint, API and baseline, in the same order."""
    rng = random.Random(7)
    default_api = [("/api/v3/bookings", f"Bearer {token_for(a)}") for a in account_ids]
    default_base = [(f"/bench/baseline/bookings?account_id={a}", "") for a in account_ids]
    search_api, search_base = [], []
    for rental_id, account_id in rng.sample(rentals, min(300, len(rentals))):
        start = now + dt.timedelta(days=rng.randint(-700, 700))
        window = (
            f"rental_id={rental_id}&from={start:%Y-%m-%dT00:00:00Z}"
            f"&until={start + dt.timedelta(days=90):%Y-%m-%dT00:00:00Z}"
        )
        search_api.append((f"/api/v3/bookings?{window}", f"Bearer {token_for(account_id)}"))
        search_base.append((f"/bench/baseline/bookings?account_id={account_id}&{window}", ""))
    return {
        "default_list": {"api": default_api, "baseline": default_base},
        "rental_search": {"api": search_api, "baseline": search_base},
    }


def _check_same_rows(base: str, api: tuple[str, str], baseline: tuple[str, str]) -> int:
    """Both endpoints answer 200 with the same number of bookings: a fair comparison."""
    counts = []
    for path, auth in (api, baseline):
        headers = {"Authorization": auth} if auth else {}
        request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 (http://)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            counts.append(len(json.loads(response.read())["bookings"]))
    if counts[0] != counts[1]:
        raise RuntimeError(f"API returned {counts[0]} bookings, baseline {counts[1]}: {api[0]}")
    return counts[0]


def _wrk(base: str, pairs: list[tuple[str, str]], *, seconds: int, connections: int) -> dict:
    body = ", ".join(f"{{{json.dumps(p)}, {json.dumps(a)}}}" for p, a in pairs)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"requests": body})
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"],
    }


def _median_run(results: list[dict]) -> dict:
    """Each figure's median over the pairs (p99 included), plus the runs themselves."""
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")
    median = {key: round(statistics.median(r[key] for r in results), 2) for key in keys}
    median["requests"] = sum(r["requests"] for r in results)
    median["non2xx"] = sum(r["non2xx"] for r in results)
    median["socket_errors"] = sum(r["socket_errors"] for r in results)
    median["runs"] = results
    return median


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pairs", type=int, default=5, help="interleaved API/baseline pairs")
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("--threads", type=int, default=2, help="per worker (gthread, granian)")
    parser.add_argument("--result", default="search")
    args = parser.parse_args(argv)
    setup_django()
    from django.utils import timezone

    from bench.fixtures import ensure_fixtures
    from bookings.models import Booking
    from rentals.models import Rental

    fixtures = ensure_fixtures()
    rentals = list(Rental.objects.values_list("id", "account_id"))
    requests = _requests(fixtures["accounts"], rentals, timezone.now())
    total_bookings = Booking.objects.count()
    from django.db import connections

    connections.close_all()  # the servers are separate processes; hold nothing open

    runs: dict[str, dict] = {}
    for workers in args.workers:
        with gunicorn(workers, threads=args.threads, kind=args.server) as base:
            for endpoint, variants in requests.items():
                rows = _check_same_rows(base, variants["api"][0], variants["baseline"][0])
                for pairs in variants.values():
                    _wrk(base, pairs, seconds=args.warmup, connections=workers)
                rounds: dict[str, list[dict]] = {"api": [], "baseline": []}
                for number in range(args.pairs):
                    order = ("api", "baseline") if number % 2 == 0 else ("baseline", "api")
                    for variant in order:
                        rounds[variant].append(
                            _wrk(base, variants[variant], seconds=args.seconds, connections=workers)
                        )
                    log(
                        f"  {workers}w {endpoint} pair {number + 1}: "
                        f"api {rounds['api'][-1]['rps']} rps p99 {rounds['api'][-1]['p99_ms']} ms, "
                        f"baseline {rounds['baseline'][-1]['rps']} rps"
                    )
                figures = {variant: _median_run(results) for variant, results in rounds.items()}
                figures["rows_in_first_page"] = rows
                ratios = [
                    a["rps"] / b["rps"]
                    for a, b in zip(rounds["api"], rounds["baseline"], strict=True)
                ]
                figures["ratio_api_over_baseline_rps"] = ratio_summary(ratios)["median"]
                figures["ratio_spread"] = ratio_summary(ratios)
                runs[f"{endpoint}_{workers}w"] = figures
    one_worker = [runs[f"{e}_1w"] for e in requests if f"{e}_1w" in runs]
    result = {
        "bookings": total_bookings,
        "seconds_per_run": args.seconds,
        "pairs": args.pairs,
        "connections": "one per worker",
        "server": {"kind": args.server, "threads": args.threads},
        "runs": runs,
        # Issue #17's targets: the default list under 50 ms at p99 and, like the rental
        # window search, at least 0.6 of the bare view, one worker.
        "targets": {
            "p99_under_50ms_one_worker": all(
                r["api"]["p99_ms"] < 50 for name, r in runs.items() if name == "default_list_1w"
            ),
            "at_least_0_6_of_baseline_one_worker": all(
                r["ratio_api_over_baseline_rps"] >= 0.6 for r in one_worker
            ),
        },
    }
    path = write_result(args.result, result)
    log(f"search -> {path}")
    return result


if __name__ == "__main__":
    main()
