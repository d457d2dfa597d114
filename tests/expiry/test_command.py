"""`manage.py expire_tentative_bookings [--dry-run]`: the sweep for cron-minded operators."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from bookings.models import Booking

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("expire_tentative_bookings", *args, stdout=out)
    return out.getvalue()


def test_the_command_cancels_expired_holds_and_prints_the_count(make_booking):
    expired = [make_booking(expires_in=-HOUR) for _ in range(3)]
    live = make_booking(expires_in=HOUR)

    assert _run() == "3 expired tentative holds canceled\n"

    assert set(
        Booking.objects.filter(status=Booking.Status.CANCELED).values_list("pk", flat=True)
    ) == {b.pk for b in expired}
    assert Booking.objects.get(pk=live.pk).status == Booking.Status.TENTATIVE
    assert _run() == "0 expired tentative holds canceled\n"


def test_a_dry_run_prints_the_count_and_changes_nothing(make_booking):
    make_booking(expires_in=-HOUR)
    make_booking(expires_in=-2 * HOUR)
    make_booking(expires_in=HOUR)
    before = list(Booking.objects.order_by("pk").values())

    assert _run("--dry-run") == "2 expired tentative holds would be canceled (dry run)\n"

    assert list(Booking.objects.order_by("pk").values()) == before
