"""Create a recurring series through the service, against raw inserts of the same rows.

    python -m bench.series [--pairs 5] [--occurrences 366] [--result series]

1. A rental of the first account gets a window after its last stay. The series is
   `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=366` at 09:00–10:00 in the rental's zone: a
   weekly rule with 366 occurrences (one day a week would run 7 years, past DESIGN §9's
   3-year limit, so the rule names the five working days).
2. Service: `bookings.services.booking_series_create` in this process (no HTTP): the
   rental lock, expired holds released, one overlap query over the whole span, the
   series row, one bulk INSERT of the occurrences, one of their events — one transaction.
3. Baseline, the floor: one psycopg connection (opened before the clock starts) INSERTs
   the same 366 rows straight into bookings_booking in one transaction (executemany);
   no lock, no validation, no events.
4. Rows written are removed, and the table vacuumed, after every run (they carry
   source=bench-series); SQL checks no two blocking occupied periods overlap.
5. Service and baseline alternate in `--pairs` interleaved pairs (ABBA order); reported:
   the median seconds of each, and the median of the pairs' ratios with its spread.
   Targets: the service at most 1.5 s, at most 10x the raw inserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from bench.common import log, ratio_summary, setup_django, write_result
from bench.contention import INSERT_SQL, OVERLAPS_SQL

SOURCE = "bench-series"
RULE = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT={count}"
TARGET_SECONDS = 1.5
TARGET_RATIO = 10.0


def _cleanup(rental_id: int) -> int:
    """Count overlaps on the rental, then remove this benchmark's rows and vacuum."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL, {"rentals": [rental_id]})
        overlaps = cursor.fetchone()[0]
        cursor.execute(
            "DELETE FROM events_event WHERE resource_type = 'booking' AND resource_id IN "
            "(SELECT id FROM bookings_booking WHERE source = %s)",
            [SOURCE],
        )
        cursor.execute(
            "SELECT DISTINCT series_id FROM bookings_booking "
            "WHERE source = %s AND series_id IS NOT NULL",
            [SOURCE],
        )
        series_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM bookings_booking WHERE source = %s", [SOURCE])
        if series_ids:
            cursor.execute("DELETE FROM bookings_bookingseries WHERE id = ANY(%s)", [series_ids])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bookings_booking")
    return overlaps


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="interleaved service/raw pairs")
    parser.add_argument("--occurrences", type=int, default=366)
    parser.add_argument("--result", default="series")
    args = parser.parse_args(argv)
    setup_django()
    import psycopg
    from django.db import connection
    from django.db.models import Max

    from bench.fixtures import ensure_fixtures
    from bookings import recurrence, services
    from bookings.inputs import SeriesInput, booking_input_from_wire
    from bookings.models import Booking
    from events.actors import Actor
    from rentals.models import Rental

    fixtures = ensure_fixtures()
    rental = Rental.objects.filter(account_id=fixtures["manager_account_id"]).order_by("id")[0]
    _cleanup(rental.pk)
    last = Booking.objects.filter(rental=rental).aggregate(last=Max("end_at"))["last"]
    day = (last or dt.datetime.now(dt.UTC)).astimezone(rental.tzinfo).date()
    day += dt.timedelta(days=30)
    first_start = dt.datetime.combine(day, dt.time(9), tzinfo=rental.tzinfo).astimezone(dt.UTC)
    first_end = first_start + dt.timedelta(hours=1)
    rule = RULE.format(count=args.occurrences)
    occurrences = recurrence.expand(rule, start_at=first_start, end_at=first_end, tz=rental.tzinfo)
    assert len(occurrences) == args.occurrences
    body = {
        "booked": True,
        "start_at": first_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_at": first_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": SOURCE,
    }
    settings = connection.settings_dict
    dsn = {
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "dbname": settings["NAME"],
    }
    rows = [(rental.account_id, rental.pk, o.start_at, o.end_at, SOURCE) for o in occurrences]

    def service() -> float:
        booking_input = booking_input_from_wire(body, creating=True, nested=True)
        start = time.perf_counter()
        created = services.booking_series_create(
            rental=rental,
            booking_input=booking_input,
            series_input=SeriesInput(rrule=rule),
            actor=Actor.system("bench"),
        )
        seconds = time.perf_counter() - start
        assert len(created.bookings) == args.occurrences
        return seconds

    def raw() -> float:
        with psycopg.connect(**dsn) as raw_connection:
            start = time.perf_counter()
            with raw_connection.cursor() as cursor:
                cursor.executemany(INSERT_SQL, rows)
            raw_connection.commit()
            return time.perf_counter() - start

    runs: dict[str, list[float]] = {"service": [], "raw_insert": []}
    overlaps = 0
    for number in range(args.pairs):
        order = ("service", "raw_insert") if number % 2 == 0 else ("raw_insert", "service")
        for contender in order:
            seconds = service() if contender == "service" else raw()
            overlaps += _cleanup(rental.pk)
            runs[contender].append(seconds)
            log(f"  pair {number + 1} {contender}: {seconds:.3f} s")
    ratios = [s / r for s, r in zip(runs["service"], runs["raw_insert"], strict=True)]
    spread = ratio_summary(ratios)
    service_median = statistics.median(runs["service"])
    result = {
        "bookings": Booking.objects.count(),
        "rental": rental.pk,
        "rule": rule,
        "occurrences": args.occurrences,
        "pairs": args.pairs,
        "service_seconds": {
            "median": round(service_median, 3),
            "min": round(min(runs["service"]), 3),
            "max": round(max(runs["service"]), 3),
            "runs": [round(s, 3) for s in runs["service"]],
        },
        "raw_insert_seconds": {
            "median": round(statistics.median(runs["raw_insert"]), 3),
            "min": round(min(runs["raw_insert"]), 3),
            "max": round(max(runs["raw_insert"]), 3),
            "runs": [round(s, 3) for s in runs["raw_insert"]],
        },
        "ratio_service_over_raw": spread["median"],
        "ratio_spread": spread,
        "overlaps_after": overlaps,
        "targets": {
            "under_1_5_s": service_median <= TARGET_SECONDS,
            "within_10x_raw": spread["median"] <= TARGET_RATIO,
            "zero_overlaps": overlaps == 0,
        },
    }
    path = write_result(args.result, result)
    log(f"series -> {path}")
    return result


if __name__ == "__main__":
    main()
