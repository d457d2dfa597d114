"""Time the admin's bookings pages on a big database (not a test: run it by hand).

    DATABASE_URL=postgres://…/bookings_admin_perf_bench SECRET_KEY=x \
        .venv/bin/python -m tests.admin.measure_at_scale

Fill the database first with `python -m bench.generate --bookings 1000000`. Each page is
requested in-process through Django's test client (URL routing, middleware, the admin,
template rendering: everything but the socket), once to warm up and then five times; the
median and the number of SQL queries are printed, as a manager of the largest account
and as a superuser who sees every account.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bookings.models import Booking  # noqa: E402

RUNS = 5


def measure(client: HttpClient, label: str, url: str, params: dict | None = None) -> None:
    response = client.get(url, params)
    assert response.status_code == 200, (label, response.status_code)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    html = response.content.decode()
    shown = html.count('class="action-select"') or html.count('class="cal-bar ')
    print(
        f"  {label:<34} {statistics.median(timings):7.0f} ms  "
        f"{len(captured.captured_queries):2d} queries  rows or bars shown: {shown}"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at the PostgreSQL database to measure.")
    total = Booking.objects.count()
    top = Booking.objects.values("account_id").annotate(n=Count("id")).order_by("-n").first()
    sample = (
        Booking.objects.filter(account_id=top["account_id"], client__isnull=False)
        .select_related("client")
        .order_by("id")[1000]
    )
    manager, _ = User.objects.get_or_create(
        username="perf-manager", defaults={"is_staff": True, "account_id": top["account_id"]}
    )
    root, _ = User.objects.get_or_create(
        username="perf-root", defaults={"is_staff": True, "is_superuser": True}
    )
    url = "/admin/bookings/booking/"
    pages = [
        ("bookings list, unfiltered", url, None),
        ("filtered: status=booked", url, {"status": "booked"}),
        ("filtered: one rental", url, {"rental__id__exact": sample.rental_id}),
        ("filtered: check-in year", url, {"start_at__year": sample.start_at.year}),
        ("search: reference", url, {"q": sample.reference}),
        ("search: client name", url, {"q": sample.client.fullname}),
        ("search: external reference", url, {"q": "NO-SUCH-REF"}),
        ("page 200 of the unfiltered list", url, {"p": "200"}),
        (
            "rental calendar (month)",
            f"/admin/rentals/rental/{sample.rental_id}/calendar/",
            {"month": f"{sample.start_at:%Y-%m}"},
        ),
    ]
    print(f"{total:,} bookings; largest account {top['account_id']} has {top['n']:,}")
    for label, user in (("manager of that account", manager), ("superuser (all accounts)", root)):
        client = HttpClient()
        client.force_login(user)
        print(label)
        for page in pages:
            measure(client, *page)


if __name__ == "__main__":
    main()
