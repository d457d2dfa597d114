"""core/db.constraint_backstop against real constraint violations and real deadlocks."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from core.db import constraint_backstop
from core.errors import ValidationFailed
from rentals.models import Rental
from slots.models import Slot

START = dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


class Refused(ValidationFailed):
    def __init__(self) -> None:
        super().__init__({"": ["refused"]})


def _bad_balance(rental: Rental) -> None:
    """Breaks the CHECK constraint `rental_balance_due_days_bounded` (both databases)."""
    Rental.objects.filter(pk=rental.pk).update(balance_due_days=10_000)


def test_a_violation_of_a_named_constraint_becomes_the_error(rental):
    backstop = constraint_backstop("rental_balance_due_days_bounded", error=Refused)
    with pytest.raises(Refused) as raised, backstop, transaction.atomic():
        _bad_balance(rental)
    assert isinstance(raised.value.__cause__, IntegrityError)
    rental.refresh_from_db()
    assert rental.balance_due_days == 30


@pytest.mark.parametrize("names", ["slot_no_overlap", ["rental_balance_due_days"]])
def test_a_violation_of_another_constraint_is_raised_unchanged(rental, names):
    backstop = constraint_backstop(names, error=Refused)
    refused = pytest.raises(IntegrityError, match="balance_due_days_bounded")
    with refused, backstop, transaction.atomic():
        _bad_balance(rental)


@pytest.mark.postgres
def test_the_exclusion_constraint_is_named_by_the_driver(rental):
    Slot.objects.create(account=rental.account, rental=rental, start_at=START, end_at=START + HOUR)
    backstop = constraint_backstop(["x", "slot_no_overlap"], error=Refused)
    with pytest.raises(Refused) as raised, backstop, transaction.atomic():
        Slot.objects.create(
            account=rental.account, rental=rental, start_at=START, end_at=START + 2 * HOUR
        )
    assert raised.value.__cause__.__cause__.diag.constraint_name == "slot_no_overlap"


def _crossed(first: Callable[[int], None], second: Callable[[int], None]) -> list[Any]:
    """Two transactions each write their own row (step 0), then the other's (step 1):
    PostgreSQL detects the deadlock and fails one of them. Returns both outcomes."""
    wrote = [threading.Event(), threading.Event()]
    outcomes: list[Any] = [None, None]

    def others_waiting() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0] > 0

    def run(index: int, work: Callable[[int], None]) -> None:
        try:
            with constraint_backstop("slot_no_overlap", error=Refused), transaction.atomic():
                work(0)
                wrote[index].set()
                assert wrote[1 - index].wait(timeout=30)
                if index == 1:  # step in second, once the first waits on our row
                    for _ in range(3000):
                        if others_waiting():
                            break
                        time.sleep(0.01)
                work(1)
            outcomes[index] = "ok"
        except BaseException as exc:  # the test inspects every failure
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a transaction hung"
    return outcomes


@pytest.mark.postgres
def test_a_deadlock_checking_the_exclusion_constraint_becomes_the_error(transactional_db, rental):
    def slot(at: dt.datetime) -> None:
        Slot.objects.create(account=rental.account, rental=rental, start_at=at, end_at=at + HOUR)

    windows = [START, START + 2 * HOUR]  # each writes its window, then the other's
    outcomes = _crossed(lambda step: slot(windows[step]), lambda step: slot(windows[1 - step]))
    assert outcomes.count("ok") == 1, outcomes
    (refused,) = [outcome for outcome in outcomes if outcome != "ok"]
    assert isinstance(refused, Refused), refused
    assert isinstance(refused.__cause__, OperationalError)
    assert "deadlock detected" in str(refused.__cause__)
    assert Slot.objects.count() == 2


@pytest.mark.postgres
def test_a_deadlock_elsewhere_is_raised_unchanged(transactional_db, account, make_rental):
    ids = [make_rental(account).pk, make_rental(account).pk]

    def touch(order: list[int]) -> Callable[[int], None]:
        return lambda step: list(Rental.objects.select_for_update().filter(pk=order[step]))

    outcomes = _crossed(touch(ids), touch(ids[::-1]))
    assert outcomes.count("ok") == 1, outcomes
    (failed,) = [outcome for outcome in outcomes if outcome != "ok"]
    assert isinstance(failed, OperationalError) and "deadlock detected" in str(failed), failed
