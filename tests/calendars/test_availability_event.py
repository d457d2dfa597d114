"""The decision to log availability_updated: only when the rental's map moves."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from calendars.services import Occupancy, availability_changed, availability_record
from events.actors import Actor
from events.models import Event
from rentals.models import Rental

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, tzinfo=PARIS)


@pytest.fixture
def flat() -> Rental:
    return Rental(pk=1, account_id=1, timezone="Europe/Paris")


def test_a_new_or_canceled_booking_changes_availability(flat):
    stay = Occupancy(at(10, 16), at(12, 10), "1")
    assert availability_changed(rental=flat, before=None, after=stay)
    assert availability_changed(rental=flat, before=stay, after=None)


def test_moving_within_the_same_nights_does_not(flat):
    stay = Occupancy(at(10, 16), at(12, 10), "1")
    later_arrival = Occupancy(at(10, 18), at(12, 9), "1")
    assert not availability_changed(rental=flat, before=stay, after=later_arrival)


def test_taking_another_night_or_status_does(flat):
    stay = Occupancy(at(10, 16), at(12, 10), "1")
    assert availability_changed(
        rental=flat, before=stay, after=Occupancy(at(10, 16), at(13, 10), "1")
    )
    assert availability_changed(
        rental=flat, before=stay, after=Occupancy(at(10, 16), at(12, 10), "3")
    )
    # a buffer that reaches into the next night takes it too
    assert availability_changed(
        rental=flat, before=stay, after=Occupancy(at(10, 16), at(12, 17), "1")
    )


def test_a_booking_that_takes_no_night_changes_nothing(flat):
    daytime = Occupancy(at(10, 11), at(10, 15), "1")  # between check-out and check-in
    assert not availability_changed(rental=flat, before=None, after=daytime)


@pytest.mark.django_db
def test_the_event_is_written_for_the_rental(account, rental):
    now = dt.datetime.now(dt.UTC)
    stay = Occupancy(at(10, 16), at(12, 10), "1")
    assert availability_record(
        rental=rental, before=None, after=stay, actor=Actor.system("test"), now=now
    )
    assert not availability_record(
        rental=rental, before=stay, after=stay, actor=Actor.system("test"), now=now
    )
    (event,) = Event.objects.all()
    assert (event.event, event.resource_type, event.resource_id) == (
        "availability_updated",
        "rental",
        rental.pk,
    )
