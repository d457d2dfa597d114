"""Fixtures for the calendar tests: bookings through the service, on fixed dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache

from bookings.models import Booking
from tests import factories as services


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached feeds outlive each test's rolled-back rows."""
    cache.clear()


@pytest.fixture
def make_booking() -> Callable[..., Booking]:
    """A booking from `start` to `end` (dates or ISO text), booked unless told otherwise."""

    def make(rental, start, end, **data) -> Booking:
        data.setdefault("start_at", str(start))
        data.setdefault("end_at", str(end))
        if not {"booked", "unavailable", "tentative_expires_at"} & set(data):
            data["booked"] = True
        return services.booking_create(rental=rental, data=data)

    return make


def month_start(rental, now: dt.datetime | None = None) -> dt.date:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(rental.tzinfo).date().replace(day=1)
