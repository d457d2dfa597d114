"""Fixtures for the booking domain tests: a fixed calendar and a booking factory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from bookings.models import Booking
from rentals.models import Rental
from tests.factories import DAY0, at, booking_create, iso  # noqa: F401  (the calendar of these tests)


@pytest.fixture
def clock() -> dt.datetime:
    """The service clock of a test: a week before the calendar starts."""
    return DAY0 - dt.timedelta(days=7)


@pytest.fixture
def book(rental: Rental, clock: dt.datetime) -> Callable[..., Booking]:
    """Create a booking through the service; `booked: true` unless a status is given."""

    def make(
        start: dt.datetime,
        end: dt.datetime,
        *,
        on: Rental | None = None,
        now: dt.datetime | None = None,
        **data,
    ) -> Booking:
        if not {"booked", "unavailable", "tentative_expires_at"} & data.keys():
            data["booked"] = True
        for name, value in data.items():
            if isinstance(value, dt.datetime):
                data[name] = iso(value)
        return booking_create(
            rental=on or rental,
            data={"start_at": iso(start), "end_at": iso(end), **data},
            now=now or clock,
        )

    return make
