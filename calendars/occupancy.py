"""Which nights a booking takes: its occupied period and the nights that period touches.

The occupied period of a booking is decided here and nowhere else (DESIGN §9): buffers
widen it, and every map, the export and the availability_updated decision read it from
`occupied_period`. Buffers are the booking's `buffer_before` / `buffer_after` (minutes).
The booking service's no-overlap rule reads it from here too, and PostgreSQL's exclusion
constraint computes the same range (bookings migration 0008, booking_occupied_period).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Columns a map query selects to call occupied_period on a row.
BUFFER_FIELDS = ("buffer_before", "buffer_after")
# Widest buffer a booking may carry (DESIGN §9: 0-10080 minutes): a query for the
# bookings touching a window widens the window by this much on both sides.
MAX_BUFFER = dt.timedelta(minutes=10080)

# Map codes (BookingSync enums: availability map statuses), by status.
FREE, BOOKED, TENTATIVE, UNAVAILABLE = "0", "1", "2", "3"
CODE_BY_STATUS = {"booked": BOOKED, "tentative": TENTATIVE, "unavailable": UNAVAILABLE}
# When several bookings take one night, 1 wins over 3 and 3 over 2 (DESIGN §12).
PRIORITY = {FREE: 0, TENTATIVE: 1, UNAVAILABLE: 2, BOOKED: 3}


MICROS_PER_MINUTE = 60_000_000


def occupied_period(
    *, start_at: Any, end_at: Any, buffer_before: int | None = 0, buffer_after: int | None = 0
) -> tuple[Any, Any]:
    """`[start_at - buffer_before, end_at + buffer_after)`, buffers in minutes.

    Times are datetimes, or microseconds since the epoch (the maps read them as integers:
    loading 20,000 timestamps was most of a 100-rental page)."""
    if isinstance(start_at, int):
        return (
            start_at - (buffer_before or 0) * MICROS_PER_MINUTE,
            end_at + (buffer_after or 0) * MICROS_PER_MINUTE,
        )
    return (
        start_at - dt.timedelta(minutes=buffer_before or 0),
        end_at + dt.timedelta(minutes=buffer_after or 0),
    )


def booking_occupied_period(booking: Any) -> tuple[dt.datetime, dt.datetime]:
    """The occupied period of a Booking instance (or any object with its fields)."""
    return occupied_period(
        start_at=booking.start_at,
        end_at=booking.end_at,
        buffer_before=booking.buffer_before,
        buffer_after=booking.buffer_after,
    )


def row_occupied_period(row: Mapping[str, Any]) -> tuple[Any, Any]:
    """The occupied period of a selected row (a row that did not select the buffers has
    none); datetimes or epoch microseconds, as the row holds them."""
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
        """The first and last night that `[start, end)` overlaps, or None."""
        return self.nights_micros(micros(start), micros(end))

    def nights_micros(self, start: int, end: int) -> tuple[dt.date, dt.date] | None:
        """`nights` for times in microseconds since the epoch.

        Nights start and end in increasing order, so both ends are found a step or two
        from the local dates of `start` and `end`: constant work per booking.
        """
        if start >= end:
            return None
        one = dt.timedelta(days=1)
        tz, checkin, checkout = self.tz, self.checkin, self.checkout
        first = dt.datetime.fromtimestamp(start // 1_000_000, tz).date() - one
        while _wall_micros(tz, first + one, checkout) <= start:  # night `first` ends
            first += one
        last = dt.datetime.fromtimestamp(end // 1_000_000, tz).date()
        while _wall_micros(tz, last, checkin) >= end:  # night `last` starts
            last -= one
        return (first, last) if first <= last else None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@functools.lru_cache(maxsize=1 << 16)
def _wall_micros(tz: zoneinfo.ZoneInfo, day: dt.date, time: dt.time) -> int:
    """`time` on `day` in `tz`, as microseconds since the epoch. Cached: neighbouring
    bookings share their change-over days, and every map asks for the same ones."""
    return micros(dt.datetime.combine(day, time, tzinfo=tz))


def micros(instant: dt.datetime) -> int:
    """Microseconds since the epoch (exact, unlike float timestamps)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def paint(
    buffer: bytearray, *, start_date: dt.date, first: dt.date, last: dt.date, code: str
) -> None:
    """Write `code` over the nights first..last (inclusive) of a map that starts at
    `start_date`. Callers paint in increasing PRIORITY, so the winner is written last."""
    lo = max((first - start_date).days, 0)
    hi = min((last - start_date).days + 1, len(buffer))
    if lo < hi:
        buffer[lo:hi] = code.encode() * (hi - lo)


def from_micros(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)
