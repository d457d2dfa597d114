"""Locks (DESIGN §10): lock_until within 24 h, hashed keys, E044/E045/E059, no sweep."""

from __future__ import annotations

import datetime as dt

import pytest

from events.models import Event
from slots.errors import LockInvalid, LockKeyMismatch, SlotAlreadyLocked, SlotNotLockable
from slots.services import lock_key_matches, slot_lock, slot_unlock
from tests.slots.conftest import ACTOR


def test_a_lock_stores_a_hash_of_its_key(make_slot, now):
    slot = slot_lock(
        slot=make_slot(), lock_until=now + dt.timedelta(hours=1), lock_key="key-1", actor=ACTOR
    )
    slot.refresh_from_db()
    assert slot.lock_until == now + dt.timedelta(hours=1)
    assert "key-1" not in slot.lock_key_hash and len(slot.lock_key_hash) == 64
    assert lock_key_matches(slot, "key-1")
    assert not lock_key_matches(slot, "key-2")
    assert not lock_key_matches(slot, None)
    event = Event.objects.get(event="slot_updated")
    assert "lock_key_hash" not in event.changes and "lock_until" in event.changes


@pytest.mark.parametrize(
    ("ahead", "key"),
    [
        (dt.timedelta(0), "k"),
        (-dt.timedelta(minutes=1), "k"),
        (dt.timedelta(hours=24, seconds=1), "k"),
        (dt.timedelta(hours=1), ""),
        (dt.timedelta(hours=1), "k" * 256),
    ],
)
def test_lock_until_must_be_in_the_next_24_hours_and_the_key_1_to_255_chars(
    make_slot, now, ahead, key
):
    slot = make_slot()
    with pytest.raises(LockInvalid):
        slot_lock(slot=slot, lock_until=now + ahead, lock_key=key, actor=ACTOR, now=now)
    slot.refresh_from_db()
    assert slot.lock_until is None


def test_exactly_24_hours_ahead_is_allowed(make_slot, now):
    slot = slot_lock(
        slot=make_slot(),
        lock_until=now + dt.timedelta(hours=24),
        lock_key="k" * 255,
        actor=ACTOR,
        now=now,
    )
    assert slot.is_locked(now)


def test_a_slot_that_is_not_lockable_cannot_be_locked(make_slot, now):
    with pytest.raises(SlotNotLockable):
        slot_lock(
            slot=make_slot(lockable=False),
            lock_until=now + dt.timedelta(hours=1),
            lock_key="k",
            actor=ACTOR,
        )


def test_a_locked_slot_cannot_be_locked_again_until_the_lock_passes(make_slot, now):
    slot = make_slot()
    slot_lock(slot=slot, lock_until=now + dt.timedelta(hours=1), lock_key="a", actor=ACTOR, now=now)
    with pytest.raises(SlotAlreadyLocked):
        slot_lock(
            slot=slot, lock_until=now + dt.timedelta(hours=2), lock_key="b", actor=ACTOR, now=now
        )
    later = now + dt.timedelta(hours=1)  # the lock has passed: simply gone, no sweep
    relocked = slot_lock(
        slot=slot, lock_until=later + dt.timedelta(hours=1), lock_key="b", actor=ACTOR, now=later
    )
    assert lock_key_matches(relocked, "b")


def test_unlock_needs_the_key(make_slot, now):
    slot = make_slot()
    slot_lock(slot=slot, lock_until=now + dt.timedelta(hours=1), lock_key="right", actor=ACTOR)
    with pytest.raises(LockKeyMismatch):
        slot_unlock(slot=slot, lock_key="wrong", actor=ACTOR)
    slot.refresh_from_db()
    assert slot.is_locked(now)
    slot = slot_unlock(slot=slot, lock_key="right", actor=ACTOR)
    assert slot.lock_until is None and slot.lock_key_hash == ""


def test_unlocking_a_slot_that_is_not_locked_changes_nothing(make_slot, now):
    slot = make_slot()
    slot_unlock(slot=slot, lock_key="anything", actor=ACTOR)
    assert not Event.objects.filter(event="slot_updated").exists()


def test_an_expired_lock_reads_as_no_lock(make_slot, now):
    slot = slot_lock(
        slot=make_slot(),
        lock_until=now + dt.timedelta(minutes=5),
        lock_key="k",
        actor=ACTOR,
        now=now,
    )
    assert slot.locked_until(now) == now + dt.timedelta(minutes=5)
    assert slot.locked_until(now + dt.timedelta(minutes=5)) is None
