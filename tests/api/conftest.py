"""Fixtures for the API tests: bookings made through the service, request bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache

from bookings.models import Booking
from tests import factories
from tests.factories import iso


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    """Rate-limit counters live in the cache and outlive each test's rolled-back rows, whose
    application ids get reused; start every test with a fresh budget."""
    cache.clear()


@pytest.fixture
def make_booking(now) -> Callable[..., Booking]:
    """A booking made through the service (days from now), booked unless told otherwise."""

    def make(rental, start_days: float = 1, nights: float = 2, **data) -> Booking:
        start = now + dt.timedelta(days=start_days)
        data.setdefault("start_at", iso(start))
        data.setdefault("end_at", iso(start + dt.timedelta(days=nights)))
        if not {"booked", "unavailable", "tentative_expires_at"} & set(data):
            data["booked"] = True
        application_id = data.pop("application_id", None)
        lock = data.pop("lock_to_application", False)
        created_at = data.pop("created_at", None)
        booking = factories.booking_create(
            rental=rental,
            data=data,
            application_id=application_id,
            lock_to_application=lock,
            now=created_at,
        )
        return booking

    return make


def wrap(key: str, **fields) -> dict:
    return {key: [fields]}
