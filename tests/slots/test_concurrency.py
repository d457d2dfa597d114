"""Slots under real parallel transactions: threads, each with its own connection.

The races run on both databases (PostgreSQL: the rental and slot row locks; SQLite:
IMMEDIATE transactions serialise writers). The backstop tests are PostgreSQL-only:
only it has the exclusion constraint `slot_no_overlap`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from slots import services
from slots.errors import SlotAlreadyLocked, SlotOverBooking, SlotOverlap
from slots.models import Slot
from slots.services import slot_create, slot_lock
from tests.domain.test_concurrency import run_in_parallel
from tests.slots.conftest import ACTOR, HOUR

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def _errors(outcomes, kind):
    return [value for outcome, value in outcomes if outcome == "error" and isinstance(value, kind)]


def test_twenty_concurrent_overlapping_slots_make_exactly_one(rental, start):
    def create(index: int) -> Slot:
        begin = start + dt.timedelta(minutes=index)  # all overlap one another
        return slot_create(rental=rental, start_at=begin, end_at=begin + HOUR, actor=ACTOR)

    outcomes = run_in_parallel(THREADS, create)
    wins = [value for kind, value in outcomes if kind == "ok"]
    assert len(wins) == 1
    assert len(_errors(outcomes, SlotOverlap)) == THREADS - 1
    assert Slot.objects.count() == 1


def test_twenty_concurrent_locks_of_one_slot_make_exactly_one_lock(make_slot, now):
    slot = make_slot()

    def lock(index: int) -> Slot:
        return slot_lock(
            slot=slot,
            lock_until=now + dt.timedelta(hours=1),
            lock_key=f"key-{index}",
            actor=ACTOR,
        )

    outcomes = run_in_parallel(THREADS, lock)
    wins = [value for kind, value in outcomes if kind == "ok"]
    assert len(wins) == 1
    assert len(_errors(outcomes, SlotAlreadyLocked)) == THREADS - 1
    slot.refresh_from_db()
    assert sum(services.lock_key_matches(slot, f"key-{i}") for i in range(THREADS)) == 1


def test_slots_and_direct_bookings_racing_never_overlap(rental, start, make_booking):
    """Half the threads create slots, half insert bookings the way the booking services
    do (rental row lock, check the active slots' windows, write): never both."""
    from bookings.models import Booking
    from slots.selectors import active_slots_overlapping

    def book(begin):
        with transaction.atomic():
            locked = type(rental).objects.select_for_update().get(pk=rental.pk)
            if active_slots_overlapping(
                rental=locked, start_at=begin, end_at=begin + HOUR
            ).exists():
                raise SlotOverlap()
            return Booking.objects.create(
                account=rental.account,
                rental=locked,
                start_at=begin,
                end_at=begin + HOUR,
                status=Booking.Status.BOOKED,
            )

    def work(index: int):
        begin = start + dt.timedelta(hours=index // 2)
        if index % 2:
            return book(begin)
        return slot_create(rental=rental, start_at=begin, end_at=begin + HOUR, actor=ACTOR)

    outcomes = run_in_parallel(THREADS, work)
    assert [
        v for k, v in outcomes if k == "error" and not isinstance(v, SlotOverlap | SlotOverBooking)
    ] == []
    with connection.cursor() as cursor:  # an independent check, in SQL
        cursor.execute(
            """SELECT COUNT(*) FROM slots_slot s JOIN bookings_booking b
               ON b.rental_id = s.rental_id AND b.start_at < s.end_at AND s.start_at < b.end_at
               WHERE s.status = 'active' AND b.status <> 'canceled'"""
        )
        assert cursor.fetchone()[0] == 0
    assert Slot.objects.count() + Booking.objects.count() == THREADS // 2


@pytest.mark.postgres
def test_the_exclusion_constraint_refuses_overlapping_active_slots(rental, start):
    Slot.objects.create(account=rental.account, rental=rental, start_at=start, end_at=start + HOUR)
    with pytest.raises(IntegrityError, match="slot_no_overlap"), transaction.atomic():
        Slot.objects.create(
            account=rental.account, rental=rental, start_at=start, end_at=start + 2 * HOUR
        )
    Slot.objects.create(  # disabled slots are outside the constraint
        account=rental.account,
        rental=rental,
        start_at=start,
        end_at=start + HOUR,
        status="disabled",
    )


@pytest.mark.postgres
def test_without_the_rental_lock_the_constraint_still_gives_e024(rental, start, monkeypatch):
    """Switch the service's own check off: racing creates still end as SlotOverlap."""
    monkeypatch.setattr(services, "_lock_rental", lambda r: r)
    monkeypatch.setattr(services, "_ensure_window_free", lambda *a, **k: None)

    def create(index: int) -> Slot:
        return slot_create(rental=rental, start_at=start, end_at=start + HOUR, actor=ACTOR)

    outcomes = run_in_parallel(THREADS, create)
    assert len([v for k, v in outcomes if k == "ok"]) == 1
    assert len(_errors(outcomes, SlotOverlap)) == THREADS - 1
