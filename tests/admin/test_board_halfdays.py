"""The board's half-day clock (bookings/admin_halfdays.py): epoch seconds placed and read
exactly as the datetime arithmetic of bookings/admin_slots.py does, across DST switches,
odd offsets and the window's edges; and `Epoch` read back from the database."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from bookings.admin_halfdays import Epoch, HalfDays, epoch
from bookings.admin_slots import slot_lines
from bookings.models import Booking

ZONES = [
    "Europe/Paris",  # DST at 02:00 / 03:00
    "America/New_York",
    "America/Santiago",  # DST switches at midnight: some days start at 01:00
    "Asia/Kolkata",  # +05:30
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # −11
    "Australia/Lord_Howe",  # a half-hour DST shift
    "UTC",
]
WINDOWS = [dt.date(2026, 3, 20), dt.date(2026, 10, 15), dt.date(2026, 9, 1), dt.date(2027, 3, 28)]


def reference_lines(start: int, end: int, tz: ZoneInfo, first: dt.date) -> tuple[int, int]:
    """admin_slots.slot_lines of the local times; the end's half-day is that of the last
    second before it (slot_lines subtracts on the wall clock, which differs only for an
    end at the very instant of a DST switch)."""
    local_start = dt.datetime.fromtimestamp(start, tz).replace(tzinfo=None)
    last_second = dt.datetime.fromtimestamp(end - 1, tz).replace(tzinfo=None)
    return slot_lines(local_start, last_second + dt.timedelta(seconds=1), first)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("first", WINDOWS)
def test_lines_and_local_times_match_datetime_arithmetic(zone, first):
    tz, days = ZoneInfo(zone), 30
    grid = HalfDays(tz, first, days)
    rng = random.Random(f"{zone}{first}")
    begin = epoch(dt.datetime.combine(first, dt.time(), tzinfo=tz)) - 3 * 86400
    moments = [begin + rng.randrange(0, (days + 6) * 86400) for _ in range(3000)]
    # and every quarter hour of the window's first days, where the switches above fall
    moments += range(begin, begin + 10 * 86400, 900)
    for start in moments:
        end = start + rng.choice([60, 3600, 7200, 12 * 3600, 86400, 3 * 86400])
        local_start = dt.datetime.fromtimestamp(start, tz)
        local_end = dt.datetime.fromtimestamp(end, tz)
        expected = reference_lines(start, end, tz, first)
        placed = grid.place(start, end)
        # Within the window exactly; outside it, only on the same side of it.
        if 1 <= expected[0] <= 2 * days:
            assert placed[0] == expected[0], (zone, local_start)
        else:
            assert (placed[0] < 1) == (expected[0] < 1), (zone, local_start)
        if 2 <= expected[1] <= 2 * days + 1:
            assert placed[1] == expected[1], (zone, local_end)
        else:
            assert (placed[1] <= 1) == (expected[1] <= 1), (zone, local_end)
        assert grid.text(start) == local_start.isoformat(" ", "minutes")[:16]
        if 0 <= (day := (local_start.date() - first).days) < days:
            assert grid.day(start) == day, (zone, local_start)


def test_hours_name_the_end_date_only_when_it_is_another_day():
    tz = ZoneInfo("Europe/Paris")
    grid = HalfDays(tz, dt.date(2026, 12, 1), 7)

    def at(day: int, hour: int) -> int:
        return epoch(dt.datetime(2026, 12, day, hour, tzinfo=tz))

    assert grid.place(at(2, 9), at(2, 11)) == (3, 4, "2026-12-02 09:00 → 11:00")
    assert grid.place(at(2, 20), at(3, 9)) == (4, 6, "2026-12-02 20:00 → 2026-12-03 09:00")
    assert grid.place(at(2, 9), at(2, 12))[:2] == (3, 4)  # ending at noon: the morning only
    assert grid.place(at(2, 12), at(2, 13))[:2] == (4, 5)  # starting at noon: the afternoon


@pytest.mark.django_db
def test_epoch_reads_whole_seconds_from_the_database(rental):
    start = dt.datetime(2026, 12, 6, 15, 0, 59, 999_999, tzinfo=dt.UTC)
    booking = Booking.objects.create(
        account=rental.account,
        rental=rental,
        status="booked",
        start_at=start,
        end_at=start + dt.timedelta(days=2),
    )
    read = Booking.objects.filter(pk=booking.pk).annotate(
        start_s=Epoch("start_at"), expires_s=Epoch("tentative_expires_at")
    )
    assert read.values_list("start_s", "expires_s").get() == (epoch(start), None)
    assert epoch(start) == int(dt.datetime(2026, 12, 6, 15, 0, 59, tzinfo=dt.UTC).timestamp())
