"""DESIGN §5: the sweep service cancels expired holds, in batches, once, even run twice at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.services import tentative_bookings_expire

HOUR = dt.timedelta(hours=1)


def _snapshot() -> list[dict]:
    return list(Booking.objects.order_by("pk").values())


@pytest.mark.django_db
def test_a_hold_expiring_at_the_sweep_instant_is_canceled(make_booking):
    hold = make_booking(expires_in=HOUR)
    assert tentative_bookings_expire(now=hold.tentative_expires_at - dt.timedelta(seconds=1)) == 0
    assert tentative_bookings_expire(now=hold.tentative_expires_at) == 1
    assert Booking.objects.get(pk=hold.pk).status == Booking.Status.CANCELED


def _in_thread(target, results, key):
    """Run `target` on its own database connection, closed afterwards so the test database
    can be flushed and dropped."""

    def run():
        try:
            results[key] = target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[key] = exc
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_a_hold_another_transaction_has_locked(make_booking):
    """FOR UPDATE SKIP LOCKED: a hold locked by a booking write is left to that write (or
    the next sweep) instead of making the sweep wait."""
    locked, other = make_booking(expires_in=-HOUR), make_booking(expires_in=-HOUR)
    holding, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def hold_lock():
        with transaction.atomic():
            Booking.objects.select_for_update().get(pk=locked.pk)
            holding.set()
            release.wait(30)
        return "released"

    locker = _in_thread(hold_lock, results, "locker")
    locker.start()
    try:
        assert holding.wait(10)
        started = timezone.now()
        assert tentative_bookings_expire() == 1
        assert (timezone.now() - started).total_seconds() < 5  # did not wait for the lock
        assert Booking.objects.get(pk=other.pk).status == Booking.Status.CANCELED
        assert Booking.objects.get(pk=locked.pk).status == Booking.Status.TENTATIVE
    finally:
        release.set()
        locker.join(30)
    assert results["locker"] == "released"
    assert tentative_bookings_expire() == 1
    assert Booking.objects.get(pk=locked.pk).status == Booking.Status.CANCELED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_cancel_each_hold_exactly_once(make_booking, make_rental, account):
    """Four sweeps on four connections start together over 300 holds in small batches; their
    counts add up to 300, so no hold was counted (canceled) twice and none was missed."""
    rentals = [make_rental(account) for _ in range(3)]
    holds = [make_booking(expires_in=-HOUR, on=rentals[i % 3]) for i in range(300)]
    start = threading.Barrier(4)
    results: dict[int, object] = {}

    def sweep():
        start.wait(10)
        return tentative_bookings_expire(batch_size=7)

    threads = [_in_thread(sweep, results, n) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    counts = [results[n] for n in range(4)]
    assert all(isinstance(count, int) for count in counts), counts
    assert sum(counts) == len(holds), counts  # type: ignore[arg-type]
    rows = Booking.objects.filter(pk__in=[h.pk for h in holds])
    assert rows.filter(status=Booking.Status.CANCELED).count() == len(holds)
    for hold in holds:
        assert rows.get(pk=hold.pk).canceled_at == hold.tentative_expires_at


@pytest.mark.django_db
def test_a_sweep_of_one_account_cancels_only_that_accounts_holds(
    make_booking, make_rental, other_account
):
    """The per-account sweep (docs/scaling.md, beat per shard): every statement names the
    account, and another account's expired holds wait for their own sweep."""
    mine = make_booking(expires_in=-HOUR)
    theirs = make_booking(expires_in=-HOUR, on=make_rental(other_account))
    assert tentative_bookings_expire(account_id=other_account.pk, dry_run=True) == 1
    assert tentative_bookings_expire(account_id=other_account.pk) == 1
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.CANCELED
    assert Booking.objects.get(pk=mine.pk).status == Booking.Status.TENTATIVE
    assert tentative_bookings_expire() == 1
    assert Booking.objects.get(pk=mine.pk).status == Booking.Status.CANCELED


@pytest.mark.django_db
def test_every_batch_of_a_sweep_over_all_accounts_takes_every_account(
    make_booking, make_rental, other_account
):
    """Batches after the first still look at every account (a batch's rows once leaked
    their account into the next batch's filter)."""
    theirs = make_rental(other_account)
    # mine, theirs, mine: the second batch holds only one of mine, after a batch that
    # ended on theirs
    holds = [make_booking(expires_in=-HOUR, on=theirs if n % 2 else None) for n in range(3)]
    assert tentative_bookings_expire(batch_size=2) == 3
    assert {b.status for b in Booking.objects.filter(pk__in=[h.pk for h in holds])} == {
        Booking.Status.CANCELED
    }
    mine = [make_booking(expires_in=-HOUR) for _ in range(3)]
    make_booking(expires_in=-HOUR, on=theirs)
    assert tentative_bookings_expire(batch_size=1, account_id=mine[0].account_id) == 3
    assert Booking.objects.filter(status=Booking.Status.TENTATIVE).count() == 1
