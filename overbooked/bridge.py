"""The one place the Overbooked API meets the booking domain (DESIGN §10).

Today it reads: bookings in Overbooked's shape (`active` / `cancelled`, the resource's
and the slot's UUIDs, metadata). Booking a slot, cancel, enable, reschedule, PATCH and
DELETE will call the booking services from here once bookings carry `public_id`,
`slot` and `metadata` (the lead's wiring on top of the typed booking services).

Until bookings have their `public_id` column, a booking's UUID is derived from its id
(`BOOKING_UUID_PREFIX` + the id in the last 64 bits): stable and reversible, but it
shows the sequence. `booking_public_id` and `booking_id_for` are the only two
functions to change when the column exists; nothing else reads a booking's UUID.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Q, QuerySet

from bookings.models import Booking
from overbooked.api.render import utc_ms

BOOKING_UUID_PREFIX = 0x0B0C_0000_0000_4000  # version nibble 4, so it reads as a UUID v4
_LOW_BITS = (1 << 64) - 1


def booking_public_id(booking: Booking) -> uuid.UUID:
    stored = getattr(booking, "public_id", None)
    if stored is not None:
        return uuid.UUID(str(stored))
    return uuid.UUID(int=(BOOKING_UUID_PREFIX << 64) | (0x8 << 60) | booking.pk)


def booking_id_for(public_id: uuid.UUID) -> int | None:
    value = public_id.int
    if value >> 64 != BOOKING_UUID_PREFIX or (value >> 60) & 0xF != 0x8:
        return None
    return value & (_LOW_BITS >> 4)


def _has_field(name: str) -> bool:
    return any(field.name == name for field in Booking._meta.get_fields())


def bookings_for_account(account_id: int) -> QuerySet[Booking]:
    queryset = Booking.objects.for_account(account_id).select_related("rental")
    if _has_field("slot"):
        queryset = queryset.select_related("slot")
    return queryset.order_by("created_at", "id")


def bookings_with_status(queryset: QuerySet[Booking], status: str, now: dt.datetime):
    """Overbooked's two statuses: `active` (booked, unavailable, a live hold) or
    `cancelled` (canceled, or an expired hold)."""
    return queryset.blocking(now) if status == "active" else queryset.canceled(now)  # type: ignore[attr-defined]


def bookings_of_slot(queryset: QuerySet[Booking], slot_public_id: uuid.UUID) -> QuerySet[Booking]:
    if not _has_field("slot"):
        return queryset.none()
    return queryset.filter(Q(slot__public_id=slot_public_id))


def booking_by_public_id(account_id: int, public_id: uuid.UUID) -> Booking | None:
    queryset = bookings_for_account(account_id)
    if _has_field("public_id"):
        return queryset.filter(Q(public_id=public_id)).first()
    booking_id = booking_id_for(public_id)
    return None if booking_id is None else queryset.filter(pk=booking_id).first()


def booking_data(booking: Booking, now: dt.datetime) -> dict[str, Any]:
    slot = getattr(booking, "slot", None)
    return {
        "_object": "booking",
        "id": str(booking_public_id(booking)),
        "resource_id": str(booking.rental.public_id),
        "slot_id": str(slot.public_id) if slot is not None else None,
        "metadata": getattr(booking, "metadata", None) or {},
        "status": "cancelled" if booking.status_at(now) == Booking.Status.CANCELED else "active",
        "updated_at": utc_ms(booking.updated_at),
        "created_at": utc_ms(booking.created_at),
    }
