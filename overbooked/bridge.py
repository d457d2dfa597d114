"""The one place the Overbooked API meets the booking domain (DESIGN §10): bookings in
Overbooked's shape (`active` / `cancelled`, the resource's and the slot's UUIDs,
metadata) and every booking write of that API, through the booking services (no rule is
written here: booking a slot, its capacity, lock and cut-off are the services' and the
slots app's).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from bookings import services
from bookings.inputs import UNSET, BookingInput
from bookings.models import Booking
from events.actors import Actor
from overbooked.api.errors import OverbookedError
from overbooked.api.render import utc_ms
from slots.models import Slot


def booking_public_id(booking: Booking) -> uuid.UUID:
    return uuid.UUID(str(booking.public_id))


def bookings_for_account(account_id: int) -> QuerySet[Booking]:
    return (
        Booking.objects.for_account(account_id)
        .select_related("rental", "slot")
        .order_by("created_at", "id")
    )


def bookings_with_status(queryset: QuerySet[Booking], status: str, now: dt.datetime):
    """Overbooked's two statuses: `active` (booked, unavailable, a live hold) or
    `cancelled` (canceled, or an expired hold)."""
    return queryset.blocking(now) if status == "active" else queryset.canceled(now)  # type: ignore[attr-defined]


def bookings_of_slot(queryset: QuerySet[Booking], slot_public_id: uuid.UUID) -> QuerySet[Booking]:
    return queryset.filter(slot__public_id=slot_public_id)


def booking_by_public_id(account_id: int, public_id: uuid.UUID) -> Booking | None:
    return bookings_for_account(account_id).filter(public_id=public_id).first()


def booking_data(booking: Booking, now: dt.datetime) -> dict[str, Any]:
    slot = booking.slot
    return {
        "_object": "booking",
        "id": str(booking_public_id(booking)),
        "resource_id": str(booking.rental.public_id),
        "slot_id": str(slot.public_id) if slot is not None else None,
        "metadata": booking.metadata or {},
        "status": "cancelled" if booking.status_at(now) == Booking.Status.CANCELED else "active",
        "updated_at": utc_ms(booking.updated_at),
        "created_at": utc_ms(booking.created_at),
    }


# --- writes -------------------------------------------------------------------------------


def _slot(account_id: int, public_id: uuid.UUID) -> Slot:
    slot = (
        Slot.objects.for_account(account_id)
        .select_related("rental")
        .filter(public_id=public_id)
        .first()
    )
    if slot is None:
        raise OverbookedError("E025")
    return slot


def booking_create_on_slot(
    *,
    account_id: int,
    slot_public_id: uuid.UUID,
    lock_key: str | None,
    metadata: Any,
    actor: Actor,
) -> Booking:
    """`POST /bookings`: a Booked booking of the slot (E049 full, E050 locked, E051
    disabled or closed, E061 draft resource, E042/E043 metadata)."""
    slot = _slot(account_id, slot_public_id)
    booking_input = BookingInput(
        status=Booking.Status.BOOKED, metadata=UNSET if metadata is None else metadata
    )
    return services.booking_create(
        rental=slot.rental,
        booking_input=booking_input,
        actor=actor,
        slot_id=slot.pk,
        lock_key=lock_key,
    )


def booking_cancel(*, booking: Booking, actor: Actor) -> Booking:
    return services.booking_cancel(booking=booking, actor=actor)


def booking_enable(*, booking: Booking, actor: Actor) -> Booking:
    return services.booking_enable(booking=booking, actor=actor)


def booking_reschedule(*, booking: Booking, target_slot_public_id: uuid.UUID, actor: Actor):
    slot = _slot(booking.account_id, target_slot_public_id)
    if slot.rental_id != booking.rental_id:
        raise OverbookedError("E013", "target_slot_id must be a slot of the booking's resource")
    return services.booking_reschedule(booking=booking, target_slot_id=slot.pk, actor=actor)


def booking_update_metadata(*, booking: Booking, metadata: Mapping[str, Any], actor: Actor):
    """`PATCH /bookings/{id}`: metadata merged (given keys replace, null or "" removes)."""
    return services.booking_update(
        booking=booking, booking_input=BookingInput(metadata=metadata), actor=actor
    )


def booking_delete(*, booking: Booking, actor: Actor) -> None:
    services.booking_delete(booking=booking, actor=actor)
