"""Writes of a rental as an Overbooked resource (DESIGN §10): create, update, publish,
convert to draft, delete. Keyword-only, typed, one transaction each, each with its event.

The descriptive rental fields (address, prices…) stay with rentals/services.py; here
are the resource's own: name, timezone, metadata (merged), status, the booking cut-off
and the public-scheduling flag. Field limits are the model's (full_clean).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as djtimezone

from core.errors import ValidationFailed
from core.metadata import metadata_clean, metadata_merge
from events.actors import Actor
from events.services import EventSpec, changes_between, event_record, events_record
from rentals.models import Rental
from rentals.services import rental_lock, rental_row_delete

_TRACKED = (
    "name",
    "timezone",
    "metadata",
    "status",
    "booking_disabled_before",
    "public_scheduling_enabled",
)
MAX_BOOKING_DISABLED_BEFORE = 10 * 366 * 24 * 3600  # ten years, in seconds


class ResourceTimezoneInvalid(ValidationFailed):
    """Not an IANA time zone name (Overbooked E022)."""


class ResourceCutoffInvalid(ValidationFailed):
    """`booking_disabled_before` out of range (Overbooked E058)."""


class ResourceHasBookings(ValidationFailed):
    """A rental with bookings (history) cannot be deleted."""


def _state(rental: Rental) -> dict[str, Any]:
    return {name: getattr(rental, name) for name in _TRACKED}


def _validate(rental: Rental) -> None:
    if not 0 <= rental.booking_disabled_before <= MAX_BOOKING_DISABLED_BEFORE:
        raise ResourceCutoffInvalid(
            {"booking_disabled_before": [f"must be 0 to {MAX_BOOKING_DISABLED_BEFORE} seconds"]}
        )
    if isinstance(rental.name, str) and "\x00" in rental.name:
        raise ValidationFailed({"name": ["may not contain NUL characters"]})
    try:
        rental.full_clean(exclude=["account"])
    except ValidationError as exc:
        errors = exc.message_dict
        if "timezone" in errors:
            raise ResourceTimezoneInvalid({"timezone": errors["timezone"]}) from None
        raise ValidationFailed(errors) from None


def _record(rental: Rental, event: str, actor: Actor, now: dt.datetime, changes=None) -> None:
    event_record(
        account_id=rental.account_id,
        event=event,
        resource_type="rental",
        resource_id=rental.pk,
        actor=actor,
        occurred_at=now,
        changes=changes,
    )


def resource_create(
    *,
    account_id: int,
    name: str,
    timezone: str,
    actor: Actor,
    metadata: Mapping[str, Any] | None = None,
    public_scheduling_enabled: bool = False,
    now: dt.datetime | None = None,
) -> Rental:
    """A new resource is a draft, as in Overbooked: its slots are bookable once published."""
    now = now or djtimezone.now()
    rental = Rental(
        account_id=account_id,
        name=name,
        timezone=timezone,
        metadata=metadata_clean(metadata),
        status=Rental.Status.DRAFT,
        public_scheduling_enabled=public_scheduling_enabled,
    )
    _validate(rental)
    with transaction.atomic():
        rental.save()
        _record(rental, "rental_created", actor, now)
    return rental


def resource_update(
    *,
    rental: Rental,
    actor: Actor,
    name: str | None = None,
    timezone: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    booking_disabled_before: int | None = None,
    public_scheduling_enabled: bool | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> Rental:
    """Change what is given (None: unchanged); `metadata` is merged (DESIGN §10)."""
    now = now or djtimezone.now()
    with transaction.atomic():
        rental = rental_lock(account_id=rental.account_id, rental_id=rental.pk)
        before = _state(rental)
        if name is not None:
            rental.name = name
        if timezone is not None:
            rental.timezone = timezone
        if metadata is not None:
            rental.metadata = metadata_merge(rental.metadata, metadata)
        if booking_disabled_before is not None:
            rental.booking_disabled_before = booking_disabled_before
        if public_scheduling_enabled is not None:
            rental.public_scheduling_enabled = public_scheduling_enabled
        if status is not None:
            rental.status = status
        _validate(rental)
        changes = changes_between(before, _state(rental))
        if changes:
            rental.updated_at = now
            Rental.objects.filter(account_id=rental.account_id, pk=rental.pk).update(
                **{name: getattr(rental, name) for name in changes}, updated_at=now
            )
            _record(rental, "rental_updated", actor, now, changes)
    return rental


def resource_publish(*, rental: Rental, actor: Actor, now: dt.datetime | None = None) -> Rental:
    return resource_update(rental=rental, actor=actor, status=Rental.Status.PUBLISHED, now=now)


def resource_convert_to_draft(
    *, rental: Rental, actor: Actor, now: dt.datetime | None = None
) -> Rental:
    return resource_update(rental=rental, actor=actor, status=Rental.Status.DRAFT, now=now)


def resource_delete(*, rental: Rental, actor: Actor, now: dt.datetime | None = None) -> None:
    """Deletes the rental and its slots. Bookings are history: a rental that has any
    (canceled ones too) is refused, where Overbooked would delete them with it."""
    from bookings.models import Booking
    from slots.models import Slot

    now = now or djtimezone.now()
    with transaction.atomic():
        rental = rental_lock(account_id=rental.account_id, rental_id=rental.pk)
        if Booking.objects.filter(account_id=rental.account_id, rental_id=rental.pk).exists():
            raise ResourceHasBookings({"": ["a resource with bookings cannot be deleted"]})
        # Slots go with their rental; each gets its event.
        slot_ids = list(
            Slot.objects.filter(account_id=rental.account_id, rental_id=rental.pk).values_list(
                "id", flat=True
            )
        )
        events_record(
            account_id=rental.account_id,
            actor=actor,
            occurred_at=now,
            specs=[EventSpec("slot_destroyed", "slot", slot_id) for slot_id in slot_ids],
        )
        _record(rental, "rental_destroyed", actor, now)
        rental_row_delete(account_id=rental.account_id, rental_id=rental.pk)
