"""The only place the calendar import writes bookings: through the booking services.

Kept to three small functions so the call signatures of bookings/services.py are used in
one place (the services log the events, `availability_updated` included).
"""

from __future__ import annotations

import datetime as dt

from bookings import services
from bookings.inputs import booking_input_from_wire
from bookings.models import Booking
from events.actors import Actor
from rentals.models import Rental

ACTOR = Actor.system("calendar_import")
AUTHOR = "calendar import"


def create(
    *,
    rental: Rental,
    source: str,
    uid: str,
    start_date: dt.date,
    end_date: dt.date,
    now: dt.datetime,
) -> Booking:
    """An Unavailable booking from `start_date` at check-in to `end_date` at check-out
    (bare dates, as the API reads them). Raises BookingOverlap when the nights are taken."""
    booking = services.booking_create(
        rental=rental,
        booking_input=booking_input_from_wire(
            {
                "unavailable": True,
                "start_at": start_date.isoformat(),
                "end_at": end_date.isoformat(),
                "source": source[:100],
                "external_reference": uid[:100],
                "imported": True,
            },
            creating=True,
        ),
        actor=ACTOR,
        author=AUTHOR,
        now=now,
    )
    return booking


def move(*, booking: Booking, start_date: dt.date, end_date: dt.date, now: dt.datetime) -> Booking:
    """Move a mirrored booking to new dates. Raises BookingOverlap when they are taken."""
    booking = services.booking_update(
        booking=booking,
        booking_input=booking_input_from_wire(
            {"start_at": start_date.isoformat(), "end_at": end_date.isoformat()}, creating=False
        ),
        actor=ACTOR,
        now=now,
    )
    return booking


def cancel(*, booking: Booking, now: dt.datetime) -> Booking:
    """Cancel a mirrored booking whose event left the feed."""
    booking = services.booking_cancel(
        booking=booking,
        reason=Booking.CancelationReason.OTHER,
        message_to_channel="the event left the imported calendar",
        actor=ACTOR,
        now=now,
    )
    return booking
