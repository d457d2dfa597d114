"""Every write to a slot: create, update, enable, disable, delete, lock, unlock, and the
claim a booking of a slot makes. Keyword-only, typed, one transaction each, each with
its event (DESIGN §8).

Lock order, shared with the booking services: the rental row, then the slot row. A
slot's window is checked against the rental's other active slots and its blocking
bookings under the rental lock, which every writer of the rental's periods takes, so
the loser of a race gets the same 422 as a sequential conflict; on PostgreSQL the
exclusion constraint `slot_no_overlap` is the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from bookings.models import Booking
from calendars.occupancy import MAX_BUFFER, booking_occupied_period
from core.db import constraint_backstop
from core.errors import ValidationFailed
from core.metadata import metadata_clean, metadata_merge
from events.actors import Actor
from events.services import changes_between, event_record
from rentals.models import Rental
from slots import selectors
from slots.errors import (
    LockInvalid,
    LockKeyMismatch,
    ResourceNotPublished,
    SlotAlreadyLocked,
    SlotCapacityBelowBookings,
    SlotCapacityInvalid,
    SlotDisabled,
    SlotFull,
    SlotHasBookings,
    SlotLocked,
    SlotMoveRefused,
    SlotNotLockable,
    SlotOverBooking,
    SlotOverlap,
    SlotTimesInvalid,
)
from slots.models import LOCK_KEY_MAX_LENGTH, MAX_CAPACITY, MAX_LOCK_AHEAD, Slot

OVERLAP_CONSTRAINT = "slot_no_overlap"
_TRACKED = ("start_at", "end_at", "capacity", "status", "lockable", "metadata", "lock_until")


def lock_key_hash(lock_key: str) -> str:
    """Keyed with SECRET_KEY, so a stolen table does not give the keys (even short ones)."""
    return salted_hmac("slots.lock_key", lock_key, algorithm="sha256").hexdigest()


def lock_key_matches(slot: Slot, lock_key: str | None) -> bool:
    if not lock_key or not slot.lock_key_hash:
        return False
    return constant_time_compare(lock_key_hash(lock_key), slot.lock_key_hash)


def _state(slot: Slot) -> dict[str, Any]:
    return {name: getattr(slot, name) for name in _TRACKED}


def _record(slot: Slot, event: str, actor: Actor, now: dt.datetime, changes=None) -> None:
    event_record(
        account_id=slot.account_id,
        event=event,
        resource_type="slot",
        resource_id=slot.pk,
        actor=actor,
        occurred_at=now,
        changes=changes,
    )


def _check_times(start_at: dt.datetime, end_at: dt.datetime) -> None:
    if start_at >= end_at:
        raise SlotTimesInvalid()


def _check_capacity(capacity: int) -> None:
    if isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        raise SlotCapacityInvalid({"capacity": [f"must be an integer from 1 to {MAX_CAPACITY}"]})


# Every row is fetched by its account and its id, so a database sharded by account routes
# the statement to one shard (docs/scaling.md).
def _lock_rental(rental: Rental) -> Rental:
    return Rental.objects.select_for_update().get(account_id=rental.account_id, pk=rental.pk)


def _lock_slot(slot: Slot) -> Slot:
    return Slot.objects.select_for_update().get(account_id=slot.account_id, pk=slot.pk)


def _ensure_window_free(
    rental: Rental,
    start_at: dt.datetime,
    end_at: dt.datetime,
    now: dt.datetime,
    *,
    slot_id: int | None = None,
) -> None:
    """No other active slot and no blocking booking (but the slot's own) in the window."""
    other = selectors.active_slots_overlapping(
        rental=rental, start_at=start_at, end_at=end_at, exclude_id=slot_id
    ).first()
    if other is not None:
        raise SlotOverlap(str(other.public_id))
    # A booking's buffers count (DESIGN §9): its occupied period may not meet the window.
    bookings = (
        Booking.objects.for_account(rental.account_id)
        .filter(rental=rental)
        .blocking(now)
        .overlapping(start_at - MAX_BUFFER, end_at + MAX_BUFFER)
    )
    if slot_id is not None:
        bookings = bookings.exclude(slot_id=slot_id)
    for booking in bookings.order_by("start_at", "id"):
        occupied_start, occupied_end = booking_occupied_period(booking)
        if occupied_start < end_at and occupied_end > start_at:
            raise SlotOverBooking(booking.reference)


def slot_create(
    *,
    rental: Rental,
    start_at: dt.datetime,
    end_at: dt.datetime,
    actor: Actor,
    capacity: int = 1,
    lockable: bool = True,
    metadata: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Slot:
    now = now or timezone.now()
    _check_times(start_at, end_at)
    _check_capacity(capacity)
    clean_metadata = metadata_clean(metadata)
    with constraint_backstop(OVERLAP_CONSTRAINT, error=SlotOverlap), transaction.atomic():
        rental = _lock_rental(rental)
        _ensure_window_free(rental, start_at, end_at, now)
        slot = Slot.objects.create(
            account_id=rental.account_id,
            rental=rental,
            start_at=start_at,
            end_at=end_at,
            capacity=capacity,
            lockable=lockable,
            metadata=clean_metadata,
        )
        _record(slot, "slot_created", actor, now)
    return slot


@dataclass(frozen=True)
class SlotSpec:
    """One slot to create (see `slot_create` for the rules)."""

    rental: Rental
    start_at: dt.datetime
    end_at: dt.datetime
    capacity: int = 1
    lockable: bool = True
    metadata: Mapping[str, Any] | None = None


MAX_SLOTS_PER_CREATE = 100  # a list in a body (DESIGN §15)


def slots_create(
    *, specs: Sequence[SlotSpec], actor: Actor, now: dt.datetime | None = None
) -> list[Slot]:
    """Several slots in one transaction: all of them, or none (the first failure is
    raised, its message prefixed with the slot's position from 1)."""
    if not 1 <= len(specs) <= MAX_SLOTS_PER_CREATE:
        raise ValidationFailed({"": [f"1 to {MAX_SLOTS_PER_CREATE} slots at once"]})
    now = now or timezone.now()
    created: list[Slot] = []
    with transaction.atomic():
        for spec in specs:
            created.append(
                slot_create(
                    rental=spec.rental,
                    start_at=spec.start_at,
                    end_at=spec.end_at,
                    capacity=spec.capacity,
                    lockable=spec.lockable,
                    metadata=spec.metadata,
                    actor=actor,
                    now=now,
                )
            )
    return created


def slot_update(
    *,
    slot: Slot,
    actor: Actor,
    start_at: dt.datetime | None = None,
    end_at: dt.datetime | None = None,
    capacity: int | None = None,
    lockable: bool | None = None,
    metadata: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Slot:
    """Change what is given (None: unchanged); `metadata` is merged (DESIGN §10)."""
    now = now or timezone.now()
    if capacity is not None:
        _check_capacity(capacity)
    with constraint_backstop(OVERLAP_CONSTRAINT, error=SlotOverlap), transaction.atomic():
        rental = _lock_rental(slot.rental)
        slot = _lock_slot(slot)
        before = _state(slot)
        new_start = start_at or slot.start_at
        new_end = end_at or slot.end_at
        _check_times(new_start, new_end)
        moved = (new_start, new_end) != (slot.start_at, slot.end_at)
        if moved and selectors.active_bookings_count(slot, now):
            # A slot's bookings have its times: they move by rescheduling, not with it.
            raise SlotMoveRefused({"start_at": ["a slot with active bookings cannot move"]})
        if moved and slot.status == Slot.Status.ACTIVE:
            _ensure_window_free(rental, new_start, new_end, now, slot_id=slot.pk)
        if capacity is not None and capacity < selectors.active_bookings_count(slot, now):
            raise SlotCapacityBelowBookings({"capacity": ["is below the slot's active bookings"]})
        if metadata is not None:
            slot.metadata = metadata_merge(slot.metadata, metadata)
        slot.start_at, slot.end_at = new_start, new_end
        if capacity is not None:
            slot.capacity = capacity
        if lockable is not None:
            slot.lockable = lockable
        changes = changes_between(before, _state(slot))
        if changes:
            slot.save()
            _record(slot, "slot_updated", actor, now, changes)
    return slot


def _set_status(slot: Slot, status: str, actor: Actor, now: dt.datetime | None) -> Slot:
    now = now or timezone.now()
    with constraint_backstop(OVERLAP_CONSTRAINT, error=SlotOverlap), transaction.atomic():
        rental = _lock_rental(slot.rental)
        slot = _lock_slot(slot)
        if slot.status == status:
            return slot
        if status == Slot.Status.ACTIVE:
            _ensure_window_free(rental, slot.start_at, slot.end_at, now, slot_id=slot.pk)
        before = _state(slot)
        slot.status = status
        slot.save(update_fields=["status", "updated_at"])
        _record(slot, "slot_updated", actor, now, changes_between(before, _state(slot)))
    return slot


def slot_enable(*, slot: Slot, actor: Actor, now: dt.datetime | None = None) -> Slot:
    """Active again: its window must be free of other active slots and of bookings."""
    return _set_status(slot, Slot.Status.ACTIVE, actor, now)


def slot_disable(*, slot: Slot, actor: Actor, now: dt.datetime | None = None) -> Slot:
    """No new bookings; the slot's window no longer occupies the rental."""
    return _set_status(slot, Slot.Status.DISABLED, actor, now)


def slot_delete(*, slot: Slot, actor: Actor, now: dt.datetime | None = None) -> None:
    """A slot with bookings (canceled ones too: they are history) cannot be deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_rental(slot.rental)
        slot = _lock_slot(slot)
        if selectors.bookings_count(slot):
            raise SlotHasBookings({"": ["a slot with bookings cannot be deleted"]})
        _record(slot, "slot_destroyed", actor, now)
        slot.delete()


def _check_lock_input(lock_until: dt.datetime, lock_key: str, now: dt.datetime) -> None:
    if not isinstance(lock_key, str) or not 1 <= len(lock_key) <= LOCK_KEY_MAX_LENGTH:
        raise LockInvalid({"lock_key": [f"must have 1 to {LOCK_KEY_MAX_LENGTH} characters"]})
    if "\x00" in lock_key:
        raise LockInvalid({"lock_key": ["may not contain NUL characters"]})
    if lock_until <= now:
        raise LockInvalid({"lock_until": ["must be in the future"]})
    if lock_until > now + MAX_LOCK_AHEAD:
        raise LockInvalid({"lock_until": ["may be at most 24 hours ahead"]})


def slot_lock(
    *,
    slot: Slot,
    lock_until: dt.datetime,
    lock_key: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Slot:
    """Until `lock_until`, booking the slot needs `lock_key`. Under the slot's row lock,
    so of concurrent lockers exactly one wins; the others see E045."""
    now = now or timezone.now()
    _check_lock_input(lock_until, lock_key, now)
    with transaction.atomic():
        slot = _lock_slot(slot)
        if not slot.lockable:
            raise SlotNotLockable({"": ["the slot is not lockable"]})
        if slot.is_locked(now):
            raise SlotAlreadyLocked({"": ["the slot is already locked"]})
        before = _state(slot)
        slot.lock_until = lock_until
        slot.lock_key_hash = lock_key_hash(lock_key)
        slot.save(update_fields=["lock_until", "lock_key_hash", "updated_at"])
        _record(slot, "slot_updated", actor, now, changes_between(before, _state(slot)))
    return slot


def _release(slot: Slot, actor: Actor, now: dt.datetime) -> None:
    before = _state(slot)
    slot.lock_until = None
    slot.lock_key_hash = ""
    slot.save(update_fields=["lock_until", "lock_key_hash", "updated_at"])
    _record(slot, "slot_updated", actor, now, changes_between(before, _state(slot)))


def slot_unlock(*, slot: Slot, lock_key: str, actor: Actor, now: dt.datetime | None = None) -> Slot:
    """Release the lock with its key (another key: E059). A slot that is not locked
    (never, or its lock has passed) is returned as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        slot = _lock_slot(slot)
        if not slot.is_locked(now):
            return slot
        if not lock_key_matches(slot, lock_key):
            raise LockKeyMismatch({"lock_key": ["is not the key the slot was locked with"]})
        _release(slot, actor, now)
    return slot


def slot_claim_for_booking(
    *,
    account_id: int,
    slot_id: int,
    lock_key: str | None,
    actor: Actor,
    now: dt.datetime,
) -> Slot:
    """For the booking services, inside their transaction and after they locked the
    slot's rental: lock the slot row, check that one more booking may take it, and
    release its lock when `lock_key` opened it (a booking made with the key releases it).

    1. disabled → SlotDisabled (E051); draft resource → ResourceNotPublished (E061);
    2. within the rental's `booking_disabled_before` of the start → SlotDisabled;
    3. locked and no or another key → SlotLocked (E050);
    4. active bookings ≥ capacity → SlotFull (E049), counted under the row lock, so N
       concurrent claims of a slot of capacity C give exactly C bookings.
    Raises Slot.DoesNotExist for an unknown id.
    """
    slot = selectors.slot_for_update(account_id=account_id, slot_id=slot_id)
    rental = Rental.objects.get(account_id=account_id, pk=slot.rental_id)
    if slot.status != Slot.Status.ACTIVE:
        raise SlotDisabled({"slot_id": ["the slot is disabled"]})
    if rental.status != Rental.Status.PUBLISHED:
        raise ResourceNotPublished({"slot_id": ["the slot's resource is not published"]})
    lead = dt.timedelta(seconds=rental.booking_disabled_before)
    if rental.booking_disabled_before and slot.start_at <= now + lead:
        raise SlotDisabled({"slot_id": ["booking this slot has closed"]})
    opened = False
    if slot.is_locked(now):
        if not lock_key_matches(slot, lock_key):
            raise SlotLocked({"lock_key": ["the slot is locked"]})
        opened = True
    if selectors.active_bookings_count(slot, now) >= slot.capacity:
        raise SlotFull({"slot_id": ["not enough capacity"]})
    if opened:
        _release(slot, actor, now)
    return slot
