"""Threat: clock skew between hosts. The expiry sweep took "now" from the worker's clock,
so a worker whose clock ran ahead canceled holds before they expired. It takes the
database's clock (PostgreSQL), which every web process's writes share."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from bookings.tasks import expire_tentative_bookings
from core.dbclock import database_now


def statement_timestamp() -> dt.datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_on_postgresql_now_is_the_database_clock(db):
    before = statement_timestamp()
    now = database_now()
    assert before <= now <= statement_timestamp()
    assert now.utcoffset() == dt.timedelta(0)


@pytest.mark.postgres
def test_a_worker_clock_running_ahead_does_not_expire_a_live_hold(db, rental, monkeypatch):
    expires = statement_timestamp() + dt.timedelta(seconds=30)
    hold = Booking.objects.create(
        account=rental.account,
        rental=rental,
        status=Booking.Status.TENTATIVE,
        start_at=expires + dt.timedelta(days=1),
        end_at=expires + dt.timedelta(days=2),
        tentative_expires_at=expires,
    )
    # This worker's clock is an hour fast.
    fast = timezone.now() + dt.timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: fast)
    assert expire_tentative_bookings() == 0
    hold.refresh_from_db()
    assert hold.status == Booking.Status.TENTATIVE
