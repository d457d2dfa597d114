"""List endpoints read a page in a fixed number of queries, whatever its size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from rentals.models import Rental
from slots.services import slot_create
from tests.overbooked.conftest import BASE
from tests.slots.conftest import ACTOR


@pytest.fixture
def many(account, now):
    for i in range(30):
        rental = Rental.objects.create(account=account, name=f"R{i}")
        start = now + dt.timedelta(days=i + 1)
        slot_create(
            rental=rental, start_at=start, end_at=start + dt.timedelta(hours=1), actor=ACTOR
        )
        Booking.objects.create(
            account=account, rental=rental, status="booked",
            start_at=start + dt.timedelta(hours=2), end_at=start + dt.timedelta(hours=3),
        )  # fmt: skip


@pytest.mark.parametrize("path", ["resources", "slots", "bookings"])
def test_a_list_page_costs_the_same_queries_at_5_and_at_30(secret, many, path):
    counts = []
    for limit in (5, 30):
        with CaptureQueriesContext(connection) as queries:
            body = secret.get(f"{BASE}/{path}?limit={limit}").json()
        assert len(body["data"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]
