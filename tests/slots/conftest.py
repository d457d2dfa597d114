"""Slots of `rental` and bookings on it, made directly (the services under test are slots')."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from events.actors import Actor
from slots.services import slot_create

ACTOR = Actor.api_key(1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def start(now) -> dt.datetime:
    return (now + dt.timedelta(days=7)).replace(minute=0, second=0)


@pytest.fixture
def make_slot(rental, start):
    def make(offset_hours: float = 0, hours: float = 1, **fields):
        begin = start + dt.timedelta(hours=offset_hours)
        return slot_create(
            rental=fields.pop("rental", rental),
            start_at=begin,
            end_at=begin + dt.timedelta(hours=hours),
            actor=ACTOR,
            **fields,
        )

    return make


@pytest.fixture
def make_booking(rental, now):
    def make(start_at: dt.datetime, end_at: dt.datetime, **fields) -> Booking:
        fields.setdefault("status", Booking.Status.BOOKED)
        return Booking.objects.create(
            account=rental.account, rental=rental, start_at=start_at, end_at=end_at, **fields
        )

    return make
