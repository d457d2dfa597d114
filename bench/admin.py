"""Admin benchmark: the bookings changelist, a filtered list and searches, server side;
and the planning board at 1,000 rentals × 30 days (100 of them with slots).

    python -m bench.admin [--repeat 10]
    python -m bench.admin --board-only [--repeat 30]   # the board alone, on its own data

Each page is requested in-process with Django's test client (middleware, session auth,
the ModelAdmin, template rendering — everything but the network), logged in as the
superuser (every account) and as a manager (one account). After two warm-up requests,
`--repeat` requests are timed; the query count comes from CaptureQueriesContext.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import log, setup_django, summary_ms, write_result

TARGET_MS = 300
BOARD_TARGET_MS = 500
BOARD_ACCOUNT = "Board Agency"
BOARD_RENTALS = 1000
BOARD_MANAGER = "bench-board-manager"
BOARD_SLOT_RENTALS = 100
BOARD_SLOT_HOURS = ((9, 11), (11, 13), (14, 16), (16, 18))  # local, every day


def ensure_board_data() -> int:
    """An account of 1,000 rentals, each with back-to-back stays from 60 days ago to 90
    days ahead (3–8 nights, 0–3 free nights between, one in ten unavailable or a hold,
    about 25,000 bookings), and its manager. Made once; returns the account id."""
    import datetime as dt
    import random

    from django.utils import timezone

    from accounts.models import Account, User
    from bench.fixtures import PASSWORD
    from bookings.models import Booking, Client
    from rentals.models import Rental

    account, created = Account.objects.get_or_create(name=BOARD_ACCOUNT)
    if created or not Rental.objects.filter(account=account).exists():
        rng = random.Random(16)
        zones = ["Europe/Paris"] * 8 + ["Europe/Lisbon", "America/New_York"]
        rentals = Rental.objects.bulk_create(
            Rental(
                account=account,
                name=f"Board rental {i:04d}",
                city=f"City {i % 37}",
                timezone=rng.choice(zones),
            )
            for i in range(BOARD_RENTALS)
        )
        clients = Client.objects.bulk_create(
            Client(account=account, fullname=f"Guest {i:04d}", emails=[f"g{i}@example.com"])
            for i in range(2000)
        )
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        now = timezone.now()
        bookings = []
        for rental in rentals:
            day = today - dt.timedelta(days=60)
            while day < today + dt.timedelta(days=90):
                nights = rng.randint(3, 8)
                kind = rng.random()
                status = "booked" if kind < 0.9 else ("unavailable" if kind < 0.95 else "tentative")
                bookings.append(
                    Booking(
                        account=account,
                        rental=rental,
                        status=status,
                        client=None if status == "unavailable" else rng.choice(clients),
                        start_at=day + dt.timedelta(hours=15),
                        end_at=day + dt.timedelta(days=nights, hours=9),
                        tentative_expires_at=now + dt.timedelta(days=3)
                        if status == "tentative"
                        else None,
                        notes="Owner's week" if status == "unavailable" else "",
                        source=rng.choice(["", "", "", "Airbnb", "Vrbo"]),
                    )
                )
                day += dt.timedelta(days=nights + rng.randint(0, 3))
        Booking.objects.bulk_create(bookings, batch_size=5000)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE bookings_booking")
    ensure_board_slots(account)
    manager, _ = User.objects.get_or_create(
        username=BOARD_MANAGER, defaults={"is_staff": True, "account": account}
    )
    manager.account, manager.is_staff = account, True
    manager.set_password(PASSWORD)
    manager.save()
    return account.pk


def ensure_board_slots(account) -> None:
    """On the first 100 rentals (by name: the board's first page), four slots a day
    (09–11, 11–13, 14–16, 16–18 local) from 60 days ago to 90 days ahead, capacity 1–4,
    every other one with a booking (~60,000 slots, ~30,000 bookings). They lie over those
    rentals' stays, which the services would refuse; the board draws and counts them all
    the same. Made once."""
    import datetime as dt
    import random

    from django.db import connection
    from django.utils import timezone

    from bookings.models import Booking
    from rentals.models import Rental
    from slots.models import Slot

    if Slot.objects.filter(account=account).exists():
        return
    rng = random.Random(17)
    today = timezone.now().date()
    rentals = list(
        Rental.objects.filter(account=account).order_by("name", "id")[:BOARD_SLOT_RENTALS]
    )
    slots = []
    for rental in rentals:
        for offset in range(-60, 90):
            day = today + dt.timedelta(days=offset)
            for start, end in BOARD_SLOT_HOURS:
                slots.append(
                    Slot(
                        account=account,
                        rental=rental,
                        start_at=dt.datetime.combine(day, dt.time(start), tzinfo=rental.tzinfo),
                        end_at=dt.datetime.combine(day, dt.time(end), tzinfo=rental.tzinfo),
                        capacity=rng.randint(1, 4),
                    )
                )
    slots = Slot.objects.bulk_create(slots, batch_size=5000)
    Booking.objects.bulk_create(
        (
            Booking(
                account=account,
                rental_id=slot.rental_id,
                slot=slot,
                status="booked",
                start_at=slot.start_at,
                end_at=slot.end_at,
            )
            for slot in slots[::2]
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE slots_slot")
        cursor.execute("ANALYZE bookings_booking")


def board_benchmark(repeat: int) -> dict:
    """The board page (1,000 rentals on one page, 30 days) against a baseline page of
    the same run: the rentals changelist of the same manager (100 rentals a page)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.common import summary_ms
    from bookings.models import Booking
    from slots.models import Slot

    account_id = ensure_board_data()
    load_before = os.getloadavg()
    client = Client()
    client.force_login(User.objects.get(username=BOARD_MANAGER))
    pages = {
        "board_1000_rentals_30_days": "/admin/bookings/booking/board/?days=30&per_page=1000",
        "board_50_rentals_30_days": "/admin/bookings/booking/board/?days=30",
        "board_50_rentals_60_days": "/admin/bookings/booking/board/?days=60",
        # the same page size on rentals 101-150, which have stays but no slots
        "board_50_rentals_30_days_no_slots": "/admin/bookings/booking/board/?days=30&page=3",
        "baseline_rentals_changelist": "/admin/rentals/rental/",
    }
    figures: dict[str, dict] = {}
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for url in pages.values():  # warm-up
        client.get(url)
    for _ in range(repeat):
        for name, url in pages.items():  # interleaved, so drift hits every page alike
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings[name].append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
            figures[name] = {
                "queries": len(queries.captured_queries),
                "booking_queries": sum(
                    'FROM "bookings_booking"' in q["sql"] and 'FROM "slots_slot"' not in q["sql"]
                    for q in queries.captured_queries
                ),
                "slot_queries": sum(
                    'FROM "slots_slot"' in q["sql"] for q in queries.captured_queries
                ),
                "bytes": len(response.content),
            }
    for name in pages:
        figures[name].update(summary_ms(timings[name]))
        log(f"  {name}: {figures[name]}")
    log(f"  load average {load_before} -> {os.getloadavg()}")
    board = figures["board_1000_rentals_30_days"]
    baseline = figures["baseline_rentals_changelist"]
    return {
        "rentals": BOARD_RENTALS,
        "rentals_with_slots": BOARD_SLOT_RENTALS,
        "bookings_of_account": Booking.objects.filter(account_id=account_id).count(),
        "slots_of_account": Slot.objects.filter(account_id=account_id).count(),
        "repeat": repeat,
        # 1-, 5- and 15-minute load averages at the start and the end: the machine is shared
        "load_average": [
            [round(x, 2) for x in load_before],
            [round(x, 2) for x in os.getloadavg()],
        ],
        "pages": figures,
        "target_ms": BOARD_TARGET_MS,
        "met": board["p50_ms"] < BOARD_TARGET_MS,
        "ratio_board_to_baseline_p50": round(board["p50_ms"] / baseline["p50_ms"], 2),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--result", default="admin")
    parser.add_argument("--board-only", action="store_true", help="only the planning board")
    args = parser.parse_args(argv)
    setup_django()
    if args.board_only:
        board = board_benchmark(args.repeat)
        log(f"board -> {write_result(f'{args.result}-board', board)}")
        return board
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
    board = board_benchmark(args.repeat)
    result = {
        "bookings": Booking.objects.count(),
        "board": board,
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
