"""Deleting a rental (`rental_delete`, for v3, the admin and Overbooked's resources alike):
what cascades from it goes with it, table by table by account (docs/scaling.md); a rental
with bookings stays."""

from __future__ import annotations

import datetime as dt

import pytest

from calendars.models import CalendarExport, CalendarFeed
from calendars.services import calendar_feed_create, export_token_regenerate
from core.errors import ValidationFailed
from events.actors import Actor
from events.models import Event
from rentals.models import Rental, RentalsFee
from rentals.services import rental_delete
from slots.models import Slot
from slots.services import slot_create
from tests.factories import booking_create, iso

ACTOR = Actor.system("test")
START = dt.datetime(2031, 3, 1, 10, tzinfo=dt.UTC)


def _with_dependants(account, make_rental) -> Rental:
    rental = make_rental(account)
    RentalsFee.objects.create(account=account, rental=rental, name="Cleaning", price=30)
    slot_create(rental=rental, start_at=START, end_at=START + dt.timedelta(hours=1), actor=ACTOR)
    export_token_regenerate(rental=rental)
    calendar_feed_create(rental=rental, name="Airbnb", url="https://example.com/a.ics")
    return rental


def _left(rental_id: int) -> list[int]:
    return [
        model.objects.filter(rental_id=rental_id).count()
        for model in (RentalsFee, Slot, CalendarExport, CalendarFeed)
    ]


@pytest.mark.django_db
def test_deleting_a_rental_deletes_its_fees_slots_and_calendars_and_nothing_of_another(
    account, make_rental
):
    rental = _with_dependants(account, make_rental)
    other = _with_dependants(account, make_rental)
    rental_delete(rental=rental, actor=ACTOR)
    assert not Rental.objects.filter(pk=rental.pk).exists()
    assert _left(rental.pk) == [0, 0, 0, 0]
    assert _left(other.pk) == [1, 1, 1, 1]
    assert Event.objects.filter(event="rental_destroyed", resource_id=rental.pk).count() == 1


@pytest.mark.django_db
def test_deleting_a_rental_deletes_its_slots_with_an_event_each(account, make_rental):
    rental = _with_dependants(account, make_rental)
    slot_id = Slot.objects.get(rental=rental).pk
    rental_delete(rental=rental, actor=ACTOR)
    assert not Rental.objects.filter(pk=rental.pk).exists()
    assert _left(rental.pk) == [0, 0, 0, 0]
    assert Event.objects.filter(event="slot_destroyed", resource_id=slot_id).count() == 1


@pytest.mark.django_db
def test_a_rental_with_a_canceled_booking_is_kept_whole(account, make_rental):
    rental = _with_dependants(account, make_rental)
    booking = booking_create(
        rental=rental,
        data={
            "start_at": iso(START + dt.timedelta(days=5)),
            "end_at": iso(START + dt.timedelta(days=6)),
            "booked": True,
        },
    )
    from bookings.services import booking_cancel

    booking_cancel(booking=booking, actor=ACTOR, reason="other")
    with pytest.raises(ValidationFailed):
        rental_delete(rental=rental, actor=ACTOR)
    assert Rental.objects.filter(pk=rental.pk).exists()
    assert _left(rental.pk) == [1, 1, 1, 1]
