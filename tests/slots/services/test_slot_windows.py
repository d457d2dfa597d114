"""Slot windows on a rental: create, move, enable and disable (slots/services.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from events.models import Event
from slots.errors import (
    SlotCapacityInvalid,
    SlotOverBooking,
    SlotOverlap,
    SlotTimesInvalid,
)
from slots.models import Slot
from slots.selectors import active_slots_overlapping
from slots.services import slot_delete, slot_disable, slot_enable, slot_update
from tests.slots.conftest import ACTOR, HOUR


def test_a_slot_is_created_with_its_event(make_slot):
    slot = make_slot(capacity=3, metadata={"room": "A", "empty": ""})
    assert (slot.capacity, slot.status, slot.lockable) == (3, "active", True)
    assert slot.metadata == {"room": "A"}
    assert slot.public_id is not None
    event = Event.objects.get(resource_type="slot", resource_id=slot.pk)
    assert (event.event, event.actor) == ("slot_created", {"type": "api_key", "id": 1})


def test_start_must_be_before_end(make_slot):
    with pytest.raises(SlotTimesInvalid):
        make_slot(hours=0)
    assert not Slot.objects.exists()


@pytest.mark.parametrize("capacity", [0, -1, 100_001, True])
def test_capacity_is_at_least_one(make_slot, capacity):
    with pytest.raises(SlotCapacityInvalid):
        make_slot(capacity=capacity)


def test_active_slots_of_a_rental_never_overlap(make_slot):
    first = make_slot(0, 2)
    with pytest.raises(SlotOverlap) as caught:
        make_slot(1, 2)
    assert str(first.public_id) in str(caught.value)
    assert Slot.objects.count() == 1


def test_touching_slots_do_not_overlap(make_slot):
    make_slot(0, 1)
    make_slot(1, 1)
    make_slot(-1, 1)
    assert Slot.objects.count() == 3


def test_slots_of_other_rentals_do_not_count(make_slot, account, make_rental):
    make_slot(0, 2)
    make_slot(0, 2, rental=make_rental(account))
    assert Slot.objects.count() == 2


def test_a_disabled_slot_leaves_its_window_free_and_cannot_be_enabled_over_another(make_slot):
    first = make_slot(0, 2)
    slot_disable(slot=first, actor=ACTOR)
    make_slot(1, 2)
    with pytest.raises(SlotOverlap):
        slot_enable(slot=first, actor=ACTOR)
    first.refresh_from_db()
    assert first.status == "disabled"


def test_a_slot_may_not_be_created_over_a_blocking_booking(make_slot, make_booking, start):
    booking = make_booking(start + HOUR, start + 3 * HOUR)
    with pytest.raises(SlotOverBooking) as caught:
        make_slot(0, 2)
    assert booking.reference in str(caught.value)


def test_canceled_bookings_and_expired_holds_do_not_block_a_slot(
    make_slot, make_booking, start, now
):
    make_booking(start, start + HOUR, status=Booking.Status.CANCELED)
    make_booking(start, start + HOUR, status=Booking.Status.TENTATIVE, tentative_expires_at=now)
    assert make_slot(0, 1).status == "active"


def test_a_live_hold_blocks_a_slot(make_slot, make_booking, start, now):
    make_booking(
        start,
        start + HOUR,
        status=Booking.Status.TENTATIVE,
        tentative_expires_at=now + dt.timedelta(hours=1),
    )
    with pytest.raises(SlotOverBooking):
        make_slot(0, 1)


def test_enabling_a_slot_over_a_booking_is_refused(make_slot, make_booking, start):
    slot = make_slot(0, 1)
    slot_disable(slot=slot, actor=ACTOR)
    make_booking(start, start + HOUR)
    with pytest.raises(SlotOverBooking):
        slot_enable(slot=slot, actor=ACTOR)


def test_moving_a_slot_checks_its_new_window(make_slot, start):
    slot = make_slot(0, 1)
    make_slot(2, 1)
    with pytest.raises(SlotOverlap):
        slot_update(slot=slot, actor=ACTOR, end_at=start + 3 * HOUR)
    moved = slot_update(slot=slot, actor=ACTOR, start_at=start + HOUR, end_at=start + 2 * HOUR)
    assert moved.start_at == start + HOUR


def test_update_merges_metadata_and_records_the_changes(make_slot):
    slot = make_slot(metadata={"a": 1, "b": 2})
    slot = slot_update(slot=slot, actor=ACTOR, metadata={"b": None, "c": 3}, capacity=4)
    assert slot.metadata == {"a": 1, "c": 3}
    event = Event.objects.filter(event="slot_updated").get()
    assert event.changes["capacity"] == [1, 4]
    assert event.changes["metadata"] == [{"a": 1, "b": 2}, {"a": 1, "c": 3}]


def test_an_update_that_changes_nothing_writes_no_event(make_slot):
    slot = make_slot(capacity=2)
    slot_update(slot=slot, actor=ACTOR, capacity=2)
    assert not Event.objects.filter(event="slot_updated").exists()


def test_enable_and_disable_record_the_status_change(make_slot):
    slot = make_slot()
    slot_disable(slot=slot, actor=ACTOR)
    slot_enable(slot=slot, actor=ACTOR)
    changes = [e.changes["status"] for e in Event.objects.filter(event="slot_updated")]
    assert changes == [["active", "disabled"], ["disabled", "active"]]


def test_delete_removes_the_slot_with_its_event(make_slot):
    slot = make_slot()
    slot_delete(slot=slot, actor=ACTOR)
    assert not Slot.objects.exists()
    assert Event.objects.filter(event="slot_destroyed", resource_id=slot.pk).exists()


def test_the_booking_services_selector_finds_active_windows(make_slot, rental, start):
    first = make_slot(0, 1)
    disabled = make_slot(1, 1)
    slot_disable(slot=disabled, actor=ACTOR)
    found = active_slots_overlapping(rental=rental, start_at=start, end_at=start + 3 * HOUR)
    assert list(found) == [first]
    assert not active_slots_overlapping(
        rental=rental, start_at=start + HOUR, end_at=start + 2 * HOUR
    ).exists()
