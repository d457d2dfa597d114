"""The overlap rule under real parallel transactions: threads, each with its own connection.

The create and move races run on both databases (PostgreSQL: the rental row lock;
SQLite: IMMEDIATE transactions serialise writers). The tests that switch a defence off
to show the other one holding are PostgreSQL-only: only it has the exclusion constraint.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection

from bookings import services
from bookings.errors import BookingOverlap
from bookings.models import Booking
from rentals.models import Rental
from tests.domain.conftest import at, iso
from tests.factories import booking_create, booking_update


def _unlocked_rental(rental_id: int) -> Rental:
    """The rental lock switched off: the row read without FOR UPDATE."""
    return Rental.objects.get(pk=rental_id)


pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 30


def run_in_parallel(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run work(0..count-1) in `count` threads released together; return ("ok", result)
    or ("error", exception) per thread. Each thread closes its own connection."""
    start = threading.Barrier(count)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * count

    def worker(index: int) -> None:
        try:
            start.wait(timeout=30)
            outcomes[index] = ("ok", work(index))
        except BaseException as exc:  # every failure is an outcome the test inspects
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def split(outcomes):
    wins = [value for kind, value in outcomes if kind == "ok"]
    overlaps = [value for kind, value in outcomes if isinstance(value, BookingOverlap)]
    others = [value for kind, value in outcomes if kind != "ok" and value not in overlaps]
    return wins, overlaps, others


def stopped_by_the_constraint(exc: BookingOverlap) -> bool:
    """The overlap came from the exclusion constraint: its violation, or the deadlock
    PostgreSQL detects when two inserters wait on each other's row while checking it."""
    cause = str(exc.__cause__)
    if isinstance(exc.__cause__, IntegrityError):
        return "booking_no_overlap" in cause
    return (
        isinstance(exc.__cause__, OperationalError)
        and "deadlock detected" in cause
        and "exclusion constraint" in cause
    )


def _create(rental, clock):
    data = {"start_at": iso(at(1, 14)), "end_at": iso(at(4, 8)), "booked": True}
    return lambda _: booking_create(rental=rental, data=data, now=clock)


def test_thirty_concurrent_creates_of_one_period_make_exactly_one_booking(rental, clock):
    wins, overlaps, others = split(run_in_parallel(THREADS, _create(rental, clock)))
    assert others == []
    assert len(wins) == 1
    assert len(overlaps) == THREADS - 1
    # Every loser waited for the winner and saw it: the rental lock (or SQLite's single
    # writer) decided, not the exclusion constraint, whose error names no booking.
    assert {str(exc.errors) for exc in overlaps} == {
        str({"start_at": [f"overlaps booking {wins[0].reference}"]})
    }
    assert list(Booking.objects.values_list("pk", flat=True)) == [wins[0].pk]


def test_concurrent_creates_of_overlapping_periods_keep_the_calendar_clean(rental, clock):
    def work(index: int):
        start = at(index % 10, 14)
        data = {"start_at": iso(start), "end_at": iso(at(index % 10 + 2, 8)), "booked": True}
        return booking_create(rental=rental, data=data, now=clock)

    wins, overlaps, others = split(run_in_parallel(THREADS, work))
    assert others == []
    assert len(wins) + len(overlaps) == THREADS
    stays = sorted(Booking.objects.values_list("start_at", "end_at"))
    assert len(stays) == len(wins) >= 4
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(stays))


def test_concurrent_moves_of_two_bookings_onto_each_other_let_exactly_one_through(rental, clock):
    """Each move alone is free; together they overlap (a write skew without the lock)."""
    for round_ in range(10):
        base = round_ * 20
        left = booking_create(
            rental=rental,
            data={"start_at": iso(at(base)), "end_at": iso(at(base + 2)), "booked": True},
            now=clock,
        )
        right = booking_create(
            rental=rental,
            data={"start_at": iso(at(base + 8)), "end_at": iso(at(base + 10)), "booked": True},
            now=clock,
        )
        moves = [
            (left, {"start_at": iso(at(base + 3)), "end_at": iso(at(base + 5))}),
            (right, {"start_at": iso(at(base + 4)), "end_at": iso(at(base + 6))}),
        ]
        outcomes = run_in_parallel(
            2,
            lambda i, moves=moves: booking_update(booking=moves[i][0], data=moves[i][1], now=clock),
        )
        wins, overlaps, others = split(outcomes)
        assert (len(wins), len(overlaps), others) == (1, 1, []), f"round {round_}"
        loser = right if wins[0].pk == left.pk else left
        assert overlaps[0].errors == {"start_at": [f"overlaps booking {wins[0].reference}"]}
        loser_row = Booking.objects.get(pk=loser.pk)
        assert (loser_row.start_at, loser_row.end_at) == (loser.start_at, loser.end_at)


def test_thirty_concurrent_moves_onto_one_period_let_exactly_one_through(rental, clock):
    bookings = [
        booking_create(
            rental=rental,
            data={"start_at": iso(at(3 * i)), "end_at": iso(at(3 * i + 1)), "booked": True},
            now=clock,
        )
        for i in range(THREADS)
    ]
    target = {"start_at": iso(at(200)), "end_at": iso(at(203))}
    wins, overlaps, others = split(
        run_in_parallel(
            THREADS, lambda i: booking_update(booking=bookings[i], data=target, now=clock)
        )
    )
    assert (len(wins), len(overlaps), others) == (1, THREADS - 1, [])
    assert all(
        exc.errors == {"start_at": [f"overlaps booking {wins[0].reference}"]} for exc in overlaps
    )
    assert Booking.objects.filter(start_at=at(200)).count() == 1


@pytest.mark.postgres
def test_without_the_rental_lock_every_writer_passes_the_check_and_the_constraint_decides(
    rental, clock, monkeypatch
):
    """The race is real: with the lock switched off and every writer held after its
    overlap check until all have checked, all 30 find the period free. Only the
    exclusion constraint stops 29 of them, and the service still answers BookingOverlap."""
    checked = threading.Barrier(THREADS)
    passed_check = []
    real_ensure_free = services._ensure_free

    def ensure_free_then_wait(*args, **kwargs):
        real_ensure_free(*args, **kwargs)
        passed_check.append(1)
        checked.wait(timeout=30)

    monkeypatch.setattr(
        services, "_lock_rental", lambda rental_id, account_id: Rental.objects.get(pk=rental_id)
    )
    monkeypatch.setattr(services, "_ensure_free", ensure_free_then_wait)

    wins, overlaps, others = split(run_in_parallel(THREADS, _create(rental, clock)))
    assert len(passed_check) == THREADS
    assert others == []
    assert len(wins) == 1
    assert len(overlaps) == THREADS - 1
    for exc in overlaps:
        assert stopped_by_the_constraint(exc)
        assert exc.errors == {"start_at": ["overlaps another booking"]}
    assert Booking.objects.count() == 1


@pytest.mark.postgres
def test_concurrent_moves_without_the_lock_are_still_stopped_by_the_constraint(
    rental, clock, monkeypatch
):
    checked = threading.Barrier(2)
    real_ensure_free = services._ensure_free

    def ensure_free_then_wait(*args, **kwargs):
        real_ensure_free(*args, **kwargs)
        checked.wait(timeout=30)

    left = booking_create(
        rental=rental,
        data={"start_at": iso(at(0)), "end_at": iso(at(2)), "booked": True},
        now=clock,
    )
    right = booking_create(
        rental=rental,
        data={"start_at": iso(at(8)), "end_at": iso(at(10)), "booked": True},
        now=clock,
    )
    monkeypatch.setattr(
        services, "_lock_rental", lambda rental_id, account_id: Rental.objects.get(pk=rental_id)
    )
    monkeypatch.setattr(services, "_ensure_free", ensure_free_then_wait)
    moves = [
        (left, {"start_at": iso(at(3)), "end_at": iso(at(5))}),
        (right, {"start_at": iso(at(4)), "end_at": iso(at(6))}),
    ]
    wins, overlaps, others = split(
        run_in_parallel(
            2, lambda i: booking_update(booking=moves[i][0], data=moves[i][1], now=clock)
        )
    )
    assert (len(wins), len(overlaps), others) == (1, 1, [])
    assert stopped_by_the_constraint(overlaps[0])


@pytest.mark.postgres
def test_a_constraint_violation_in_the_service_becomes_an_ordinary_overlap_error(
    rental, clock, monkeypatch
):
    booking_create(
        rental=rental,
        data={"start_at": iso(at(1)), "end_at": iso(at(3)), "booked": True},
        now=clock,
    )
    monkeypatch.setattr(services, "_ensure_free", lambda *args, **kwargs: None)
    with pytest.raises(BookingOverlap) as caught:
        booking_create(
            rental=rental,
            data={"start_at": iso(at(2)), "end_at": iso(at(4)), "unavailable": True},
            now=clock,
        )
    assert caught.value.errors == {"start_at": ["overlaps another booking"]}
    assert isinstance(caught.value.__cause__, IntegrityError)
    # The failed write left the connection usable and nothing behind.
    assert Booking.objects.count() == 1
