"""Which nights a booking takes: its occupied period and the nights that period touches.

The occupied period of a booking is decided here and nowhere else (DESIGN §9): buffers
widen it, and every map, the export and the availability_updated decision read it from
`occupied_period`. Bookings get `buffer_before` / `buffer_after` (minutes) with the
buffers work; until then the getattr defaults read 0.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Columns a map query selects to call occupied_period on a row (present ones only).
BUFFER_FIELDS = ("buffer_before", "buffer_after")
# Widest buffer a booking may carry (DESIGN §9: 0-10080 minutes): a query for the
# bookings touching a window widens the window by this much on both sides.
MAX_BUFFER = dt.timedelta(minutes=10080)

# Map codes (BookingSync enums: availability map statuses), by status.
FREE, BOOKED, TENTATIVE, UNAVAILABLE = "0", "1", "2", "3"
CODE_BY_STATUS = {"booked": BOOKED, "tentative": TENTATIVE, "unavailable": UNAVAILABLE}
# When several bookings take one night, 1 wins over 3 and 3 over 2 (DESIGN §12).
PRIORITY = {FREE: 0, TENTATIVE: 1, UNAVAILABLE: 2, BOOKED: 3}


def occupied_period(
    *,
    start_at: dt.datetime,
    end_at: dt.datetime,
    buffer_before: int | None = 0,
    buffer_after: int | None = 0,
) -> tuple[dt.datetime, dt.datetime]:
    """`[start_at - buffer_before, end_at + buffer_after)`, buffers in minutes."""
    return (
        start_at - dt.timedelta(minutes=buffer_before or 0),
        end_at + dt.timedelta(minutes=buffer_after or 0),
    )


def booking_occupied_period(booking: Any) -> tuple[dt.datetime, dt.datetime]:
    """The occupied period of a Booking instance (or any object with its fields)."""
    return occupied_period(
        start_at=booking.start_at,
        end_at=booking.end_at,
        buffer_before=getattr(booking, "buffer_before", 0),
        buffer_after=getattr(booking, "buffer_after", 0),
    )


def row_occupied_period(row: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The occupied period of a `.values()` row (buffers absent until the buffers work)."""
    return occupied_period(
        start_at=row["start_at"],
        end_at=row["end_at"],
        buffer_before=row.get("buffer_before", 0),
        buffer_after=row.get("buffer_after", 0),
    )


@dataclass(frozen=True)
class NightClock:
    """Where the nights of one rental begin and end: night D is
    `[D at checkin_time, D+1 at checkout_time)`, local to the rental's time zone."""

    tz: zoneinfo.ZoneInfo
    checkin: dt.time
    checkout: dt.time

    @classmethod
    def of(cls, rental: Any) -> NightClock:
        return cls(zoneinfo.ZoneInfo(rental.timezone), rental.checkin_time, rental.checkout_time)

    def night_start(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.checkin, tzinfo=self.tz)

    def night_end(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=1), self.checkout, tzinfo=self.tz)

    def nights(self, start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date] | None:
        """The first and last night that `[start, end)` overlaps, or None.

        Nights start and end in increasing order, so both ends are found a step or two
        from the local dates of `start` and `end`: constant work per booking.
        """
        if start >= end:
            return None
        one = dt.timedelta(days=1)
        first = start.astimezone(self.tz).date() - 2 * one
        while self.night_end(first) <= start:
            first += one
        last = end.astimezone(self.tz).date() + one
        while self.night_start(last) >= end:
            last -= one
        return (first, last) if first <= last else None


def paint(
    buffer: bytearray, *, start_date: dt.date, first: dt.date, last: dt.date, code: str
) -> None:
    """Write `code` over the nights first..last (inclusive) of a map that starts at
    `start_date`. Callers paint in increasing PRIORITY, so the winner is written last."""
    lo = max((first - start_date).days, 0)
    hi = min((last - start_date).days + 1, len(buffer))
    if lo < hi:
        buffer[lo:hi] = code.encode() * (hi - lo)
