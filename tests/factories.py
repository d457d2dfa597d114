"""One set of factories for every test suite: records in a known state, and the wire
path (a v3 body parsed by bookings.inputs, then the service) for tests of the rules.

Tests of a rule state it with wire values, exactly as an API client (or an integration
calling `booking_input_from_wire`) would send them; tests of a service's own contract
build `BookingInput` directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bookings import services
from bookings.inputs import booking_input_from_wire, client_input_from_wire, fee_input_from_wire
from bookings.models import Booking, BookingFee, Client
from events.actors import Actor
from rentals.models import Rental

# Far enough ahead that no test depends on today's date.
DAY0 = dt.datetime(2030, 7, 1, tzinfo=dt.UTC)
TEST_ACTOR = Actor.system("test")


def at(day: float, hour: float = 0) -> dt.datetime:
    """An instant on the test calendar: `day` days after DAY0, at `hour` UTC."""
    return DAY0 + dt.timedelta(days=day, hours=hour)


def iso(instant: dt.datetime) -> str:
    """A time as the API writes it (`…Z`, whole seconds)."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wire(data: Mapping[str, Any]) -> dict[str, Any]:
    """Times given as datetimes (or dates) become wire text, as a client would send them."""
    return {
        key: iso(v)
        if isinstance(v, dt.datetime)
        else v.isoformat()
        if isinstance(v, dt.date)
        else v
        for key, v in data.items()
    }


def booking_create(*, rental: Rental, data: Mapping[str, Any], **kwargs: Any) -> Booking:
    """POST /rentals/{id}/bookings without HTTP: the one parser, then the service."""
    booking_input = booking_input_from_wire(wire(data), creating=True, nested=True)
    return services.booking_create(rental=rental, booking_input=booking_input, **kwargs)


def booking_update(*, booking: Booking, data: Mapping[str, Any], **kwargs: Any) -> Booking:
    """PATCH /bookings/{id} without HTTP."""
    booking_input = booking_input_from_wire(wire(data), creating=False)
    return services.booking_update(booking=booking, booking_input=booking_input, **kwargs)


def booking_add_fee(*, booking: Booking, data: Mapping[str, Any], **kwargs: Any) -> BookingFee:
    """PATCH /bookings/{id}/add_bookings_fee without HTTP."""
    return services.booking_add_fee(booking=booking, fee=fee_input_from_wire(data), **kwargs)


def client_create(*, account_id: int, data: Mapping[str, Any]) -> Client:
    return services.client_create(
        account_id=account_id, client_input=client_input_from_wire(data), actor=TEST_ACTOR
    )


def make_booking(rental: Rental, start: dt.datetime, end: dt.datetime, **data: Any) -> Booking:
    """A booking on `rental` (Booked unless a status field is given), through the service."""
    if not {"booked", "unavailable", "tentative_expires_at"} & data.keys():
        data["booked"] = True
    kwargs = {
        name: data.pop(name)
        for name in ("now", "application_id", "lock_to_application", "actor", "author")
        if name in data
    }
    return booking_create(rental=rental, data={"start_at": start, "end_at": end, **data}, **kwargs)
