"""Fixtures for the admin tests: bookings made through the service, in the future."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from tests.factories import booking_create


@pytest.fixture
def day(now):
    """Midnight UTC `n` days from today, so bookings are in the future and holds live."""

    def at(n: int, hour: int = 0) -> dt.datetime:
        base = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return base + dt.timedelta(days=n, hours=hour)

    return at


@pytest.fixture
def make_booking(day):
    def make(rental, start: int = 10, nights: int = 3, client=None, **data) -> Booking:
        data.setdefault("start_at", day(start, 16))
        data.setdefault("end_at", day(start + nights, 10))
        if not {"booked", "unavailable", "tentative_expires_at"} & data.keys():
            data["booked"] = True
        if client is not None:
            data["client_id"] = client.pk
        return booking_create(rental=rental, data=data)

    return make
