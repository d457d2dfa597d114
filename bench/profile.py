"""Where one API request spends its time: statements and a profile, in-process.

    python -m bench.profile [--repeat 200] [--only list|search|create] [--html DIR]

Runs the default list (`GET /api/v3/bookings`, 100 a page), a rental window search and
a create (`POST /api/v3/rentals/{id}/bookings`, on a free period; the rows are removed
after) through Django's test client against the bench database — middleware, token,
rate limit (Redis), DRF, serializer, renderer: everything but the socket and the WSGI
server. For each: the SQL statements of one request (CaptureQueriesContext), the median
time of `--repeat` requests, and a pyinstrument profile of them (text, or HTML files).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from bench.common import log, setup_django

SOURCE = "bench-profile"


def _requests(account_id: int, rental_id: int, now: dt.datetime) -> dict:
    window = now + dt.timedelta(days=30)
    search = (
        f"/api/v3/bookings?rental_id={rental_id}&from={window:%Y-%m-%dT00:00:00Z}"
        f"&until={window + dt.timedelta(days=90):%Y-%m-%dT00:00:00Z}"
    )
    return {"list": ("get", "/api/v3/bookings"), "search": ("get", search)}


def _cleanup(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bookings_booking WHERE source = %s", [SOURCE])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--only", choices=["list", "search", "create"], nargs="*")
    parser.add_argument("--html", help="write <name>.html profiles into this folder")
    parser.add_argument("--sql", action="store_true", help="print every statement")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.db.models import Max
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from pyinstrument import Profiler

    from bench.fixtures import ensure_fixtures, token_for
    from bookings.models import Booking
    from rentals.models import Rental

    fixtures = ensure_fixtures()
    account_id = fixtures["manager_account_id"]
    rental = Rental.objects.filter(account_id=account_id).order_by("id").last()
    assert rental is not None
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(account_id)}")
    now = timezone.now()
    scenarios = _requests(account_id, rental.pk, now)
    _cleanup(connection)
    last = Booking.objects.filter(rental=rental).aggregate(last=Max("end_at"))["last"] or now
    days = iter(range(10_000_000))

    def create():
        # Each create books the next free day after the rental's last stay.
        day = (last + dt.timedelta(days=30 + 2 * next(days))).date()
        body = {
            "bookings": [
                {
                    "start_at": f"{day:%Y-%m-%d}T16:00:00Z",
                    "end_at": f"{day + dt.timedelta(days=1):%Y-%m-%d}T10:00:00Z",
                    "booked": True,
                    "source": SOURCE,
                }
            ]
        }
        return client.post(
            f"/api/v3/rentals/{rental.pk}/bookings",
            json.dumps(body),
            content_type="application/json",
        )

    calls = {name: (lambda m=m, p=p: getattr(client, m)(p)) for name, (m, p) in scenarios.items()}
    calls["create"] = create
    expected = {"list": 200, "search": 200, "create": 201}
    try:
        for name, call in calls.items():
            if args.only and name not in args.only:
                continue
            for _ in range(5):  # warm-up: imports, caches, connections
                assert call().status_code == expected[name]
            with CaptureQueriesContext(connection) as queries:
                response = call()
            assert response.status_code == expected[name], response.content[:500]
            log(f"{name}: {len(queries)} statements")
            for number, query in enumerate(queries.captured_queries, 1):
                text = query["sql"] if args.sql else query["sql"][:150]
                print(f"  {number:2}. {query['time']}s {text}")
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            log(f"{name}: median {statistics.median(times) * 1000:.2f} ms over {args.repeat}")
            profiler = Profiler(interval=0.001)
            profiler.start()
            for _ in range(args.repeat):
                call()
            profiler.stop()
            if args.html:
                Path(args.html).mkdir(parents=True, exist_ok=True)
                (Path(args.html) / f"{name}.html").write_text(profiler.output_html())
            else:
                print(profiler.output_text(unicode=True, color=False, show_all=False))
    finally:
        _cleanup(connection)


if __name__ == "__main__":
    main()
