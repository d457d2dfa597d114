"""Calendar benchmarks: availability maps, the iCal export and an import, each against a
baseline in the same run.

    python -m bench.calendars [--repeat 30] [--result calendars]

1. Maps: `GET /api/v3/availabilities?per_page=100` (100 rentals) and `/availabilities/{id}`
   through the real middleware, token and serializer, interleaved with the baseline:
   the bare SQL of the same rows (every booking touching the window of those rentals,
   fetched as tuples). Ratio = API time / baseline time, median of the pairs.
2. Export: a rental given 1,000 future bookings (raw INSERTs, rolled back at the end);
   the uncached feed (`calendars.export.build_feed`) against the bare SQL of its rows;
   the cached feed (`GET /ical/{token}.ics`) too.
3. Import: a 2,000-event Airbnb-style feed (one night each, back to back) served on
   127.0.0.1, imported into an empty rental: the events of the next 3 years (1,096) each
   become a booking through the booking services, the rest lie past the horizon; the
   time is reported.
Everything written is rolled back, so the data set is left as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from bench.common import log, ratio_summary, setup_django, summary_ms, write_result

MAP_SQL = """
SELECT rental_id, status, tentative_expires_at, start_at, end_at, updated_at
FROM bookings_booking
WHERE account_id = %s AND rental_id = ANY(%s) AND start_at < %s AND end_at > %s
"""


class Rollback(Exception):
    pass


def _pairs(repeat: int, api, baseline) -> dict:
    api_times, base_times, ratios = [], [], []
    api()
    baseline()  # warm both
    for _ in range(repeat):
        start = time.perf_counter()
        api()
        a = time.perf_counter() - start
        start = time.perf_counter()
        baseline()
        b = time.perf_counter() - start
        api_times.append(a)
        base_times.append(b)
        ratios.append(a / b)
    return {
        "api": summary_ms(api_times),
        "baseline": summary_ms(base_times),
        "ratio_api_over_baseline": ratio_summary(ratios),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--result", default="calendars")
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from bench.fixtures import ensure_fixtures, token_for
    from bench.scenarios import keep_connection_across_requests
    from rentals.models import Rental

    keep_connection_across_requests()
    fixtures = ensure_fixtures()
    account_id = fixtures["accounts"][0]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(account_id)}")
    rentals = list(Rental.objects.filter(account_id=account_id).order_by("id")[:100])
    rental_ids = [r.pk for r in rentals]
    now = timezone.now()
    window = (
        now.replace(day=1) - dt.timedelta(days=10),
        now + dt.timedelta(days=1096 + 40),
    )
    results: dict = {"rentals_in_page": len(rentals)}

    def sql(ids):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(MAP_SQL, [account_id, ids, window[1], window[0]])
                return cursor.fetchall()

        return run

    def get(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, response.content[:300]

        return run

    with connection.cursor() as cursor:
        cursor.execute(MAP_SQL, [account_id, rental_ids, window[1], window[0]])
        results["bookings_in_page_window"] = len(cursor.fetchall())
    log(f"maps: {len(rentals)} rentals, {results['bookings_in_page_window']} bookings in window")
    results["maps_100_rentals"] = _pairs(
        args.repeat, get("/api/v3/availabilities?per_page=100"), sql(rental_ids)
    )
    results["change_overs_100_rentals"] = _pairs(
        args.repeat, get("/api/v3/change_overs?per_page=100"), sql(rental_ids)
    )
    one = rentals[7].pk
    results["map_one_rental"] = _pairs(
        args.repeat * 3, get(f"/api/v3/availabilities/{one}"), sql([one])
    )
    log(f"maps: {results['maps_100_rentals']['api']}")

    try:
        with transaction.atomic():
            results.update(_export_and_import(args, account_id, client, now))
            raise Rollback
    except Rollback:
        pass

    results["targets"] = {
        "maps_100_rentals_p99_under_300ms": results["maps_100_rentals"]["api"]["p99_ms"] < 300,
        "map_one_rental_p99_under_20ms": results["map_one_rental"]["api"]["p99_ms"] < 20,
        "export_1000_bookings_uncached_under_100ms": results["export_uncached"]["api"]["p99_ms"]
        < 100,
    }
    path = write_result(args.result, results)
    log(f"calendars -> {path}")
    for target, met in results["targets"].items():
        log(f"  {'met   ' if met else 'MISSED'} {target}")
    return results


def _export_and_import(args, account_id: int, client, now) -> dict:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    from calendars import services
    from calendars.export import build_feed, export_path
    from calendars.importer import feed_sync
    from rentals.models import Rental
    from tests.calendars.feed_server import FeedServer, Reply, airbnb_feed

    results: dict = {}
    rental = Rental.objects.create(
        account_id=account_id, name="bench export", timezone="Europe/Paris"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO bookings_booking (
                account_id, rental_id, status, start_at, end_at, created_at, updated_at,
                locked, paid_amount, bookings_payments_count, damage_deposit,
                charge_damage_deposit_on_arrival, imported, final_price_is_manual, currency,
                discount, expected_checkin_time, expected_checkout_time, door_key_code, notes,
                external_reference, source, cancelation_reason, cancelation_message_to_guest,
                cancelation_message_to_channel, damage_deposit_collection_method,
                damage_deposit_external_collection_method_name)
            SELECT %s, %s, CASE WHEN i %% 10 = 0 THEN 'unavailable' ELSE 'booked' END,
                   %s + (i * 3) * interval '1 day' + interval '15 hours',
                   %s + (i * 3 + 2) * interval '1 day' + interval '9 hours', %s, %s,
                   false, 0, 0, 0, true, false, false, 'EUR', '', '', '', '', '', '', '', '',
                   '', '', '', ''
            FROM generate_series(1, 1000) AS i
            """,
            [account_id, rental.pk, now.date(), now.date(), now, now],
        )
    host = "bench.example"
    sql = (
        "SELECT id, status, start_at, end_at FROM bookings_booking WHERE rental_id = %s "
        "AND status IN ('booked', 'unavailable', 'tentative') AND end_at > %s ORDER BY start_at"
    )

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, [rental.pk, now - dt.timedelta(days=8)])
            return cursor.fetchall()

    def uncached():
        body = build_feed(rental, host=host, now=now)
        assert body.count(b"BEGIN:VEVENT") == 1000

    results["export_uncached"] = _pairs(args.repeat, uncached, baseline)
    path = export_path(rental.pk, 0)

    def cached():
        assert client.get(path).status_code == 200

    cache.clear()
    results["export_cached_view"] = _pairs(args.repeat, cached, baseline)
    log(f"export: uncached {results['export_uncached']['api']}")

    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the feed server is on 127.0.0.1
    target = Rental.objects.create(account_id=account_id, name="bench import", timezone="UTC")
    start = now.date() + dt.timedelta(days=1)
    events = [
        (
            f"bench-{i}@airbnb.com",
            f"{start + dt.timedelta(days=i):%Y%m%d}",
            f"{start + dt.timedelta(days=i + 1):%Y%m%d}",
        )
        for i in range(args.events)
    ]
    with FeedServer() as server:
        server.reply = Reply(body=airbnb_feed(*events))
        feed = services.calendar_feed_create(rental=target, name="Airbnb", url=server.url)
        began = time.perf_counter()
        result = feed_sync(feed=feed, now=now)
        seconds = time.perf_counter() - began
    # Events past the 3-year horizon are not imported.
    results["import"] = {
        "events_in_feed": len(events),
        "created": result.created,
        "conflicts": len(result.conflicts),
        "seconds": round(seconds, 2),
        "ms_per_created_booking": round(1000 * seconds / max(result.created, 1), 2),
    }
    log(f"import: {results['import']}")
    return results


if __name__ == "__main__":
    main()
