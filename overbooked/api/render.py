"""The Overbooked shapes of a resource and a slot (`_object`, UUID ids, the reference's
field names). Times: `start_date`/`end_date` with the resource's UTC offset, as in the
reference's examples; `created_at`, `updated_at` and `locked_until` in UTC with `Z`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rentals.models import Rental
from slots.models import Slot


def utc_ms(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")
    return text + "Z"


def local(value: dt.datetime, rental: Rental) -> str:
    return value.astimezone(rental.tzinfo).isoformat(timespec="seconds")


def resource_data(rental: Rental) -> dict[str, Any]:
    """`rental` as read by overbooked/selectors.py (with its counts)."""
    return {
        "_object": "resource",
        "id": str(rental.public_id),
        "metadata": rental.metadata,
        "name": rental.name,
        "status": rental.status,
        "timezone": rental.timezone,
        "short_id": rental.short_id,
        "num_bookings": getattr(rental, "num_bookings", 0),
        "num_active_bookings": getattr(rental, "num_active_bookings", 0),
        "num_cancelled_bookings": getattr(rental, "num_cancelled_bookings", 0),
        "num_slots": getattr(rental, "num_slots", 0),
        "num_available_slots": getattr(rental, "num_available_slots", 0),
        "booking_disabled_before": rental.booking_disabled_before,
        "public_scheduling_enabled": rental.public_scheduling_enabled,
        "updated_at": utc_ms(rental.updated_at),
        "created_at": utc_ms(rental.created_at),
    }


def slot_data(slot: Slot, now: dt.datetime) -> dict[str, Any]:
    """`slot` as read by slots/selectors.py (with its counts and `available`)."""
    num_bookings = getattr(slot, "num_bookings", 0)
    num_active = getattr(slot, "num_active_bookings", 0)
    return {
        "_object": "slot",
        "id": str(slot.public_id),
        "resource_id": str(slot.rental.public_id),
        "available": bool(getattr(slot, "available", False)),
        "metadata": slot.metadata,
        "start_date": local(slot.start_at, slot.rental),
        "end_date": local(slot.end_at, slot.rental),
        "capacity": slot.capacity,
        "status": slot.status,
        "lockable": slot.lockable,
        "locked_until": utc_ms(slot.locked_until(now)),
        "num_bookings": num_bookings,
        "num_active_bookings": num_active,
        "num_cancelled_bookings": num_bookings - num_active,
        "updated_at": utc_ms(slot.updated_at),
        "created_at": utc_ms(slot.created_at),
    }
