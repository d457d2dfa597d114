"""What a booking of a slot will check (slot_claim_for_booking), before bookings point
at slots: disabled, draft resource, booking cut-off, the lock and its key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from rentals.models import Rental
from slots.errors import ResourceNotPublished, SlotDisabled, SlotLocked
from slots.services import slot_claim_for_booking, slot_disable, slot_lock
from tests.slots.conftest import ACTOR


def _claim(slot, now, lock_key=None):
    with transaction.atomic():
        return slot_claim_for_booking(
            account_id=slot.account_id, slot_id=slot.pk, lock_key=lock_key, actor=ACTOR, now=now
        )


def test_an_open_slot_may_be_claimed(make_slot, now):
    slot = make_slot()
    assert _claim(slot, now) == slot


def test_a_disabled_slot_is_refused(make_slot, now):
    slot = slot_disable(slot=make_slot(), actor=ACTOR)
    with pytest.raises(SlotDisabled):
        _claim(slot, now)


def test_a_slot_of_a_draft_resource_is_refused(make_slot, rental, now):
    slot = make_slot()
    Rental.objects.filter(pk=rental.pk).update(status=Rental.Status.DRAFT)
    with pytest.raises(ResourceNotPublished):
        _claim(slot, now)


def test_booking_closes_booking_disabled_before_the_start(make_slot, rental, now, start):
    slot = make_slot()
    seconds_to_start = int((start - now).total_seconds())
    Rental.objects.filter(pk=rental.pk).update(booking_disabled_before=seconds_to_start + 60)
    with pytest.raises(SlotDisabled):
        _claim(slot, now)
    Rental.objects.filter(pk=rental.pk).update(booking_disabled_before=seconds_to_start - 60)
    assert _claim(slot, now) == slot


def test_a_locked_slot_needs_its_key_and_the_key_releases_the_lock(make_slot, now):
    slot = make_slot()
    slot_lock(slot=slot, lock_until=now + dt.timedelta(hours=1), lock_key="k", actor=ACTOR, now=now)
    for wrong in (None, "other"):
        with pytest.raises(SlotLocked):
            _claim(slot, now, wrong)
    claimed = _claim(slot, now, "k")
    assert claimed.lock_until is None
    slot.refresh_from_db()
    assert not slot.is_locked(now)


def test_after_lock_until_anyone_may_claim(make_slot, now):
    slot = make_slot()
    slot_lock(slot=slot, lock_until=now + dt.timedelta(hours=1), lock_key="k", actor=ACTOR, now=now)
    assert _claim(slot, now + dt.timedelta(hours=1)) == slot
