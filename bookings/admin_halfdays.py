"""The planning board's half-day columns in one time zone, read from epoch seconds.

The board places some 20,000 stays and slots on a 1,000-rental page. Reading their times
as datetimes (psycopg's parser behind Django's time-zone loader, about 3 µs each) and
converting each to the rental's zone cost more than drawing them, so the board reads
whole epoch seconds (`Epoch`) and looks each one up here: one bisect among the UTC
instants at which the zone's local midnights and noons fall over the window. Lines count
as in bookings/admin_slots.py: line 1 starts the first day's morning, a day is two lines.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, Func

NOON = dt.time(12)
# Days of edges on either side of the window: a moment within them is placed and read
# exactly; one beyond them only needs to be known to lie outside the window.
MARGIN_DAYS = 2
HOURS_MINUTES = [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)]


class Epoch(Func):
    """Whole seconds since 1970-01-01 UTC of a datetime column, NULL kept: an integer is
    read in a fraction of the time of a timestamp. Times are placed to the second."""

    output_field = BigIntegerField()

    # The database returns an int already: no int() per value in Python (values_list
    # would otherwise run a converter on each of 12,000 rows).
    @property
    def convert_value(self):
        return self._convert_value_noop

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"FLOOR(EXTRACT(EPOCH FROM {sql}))::bigint", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        # Django stores UTC as 'YYYY-MM-DD HH:MM:SS[.ffffff]'; the fraction is cut, as
        # SQLite would round it to milliseconds first. '%%' reaches SQLite as '%'.
        return f"CAST(strftime('%%s', substr({sql}, 1, 19)) AS INTEGER)", params


def epoch(moment: dt.datetime) -> int:
    """`Epoch` in Python (floor, for times before 1970 too)."""
    return int(moment.timestamp() // 1)


class HalfDays:
    """The half-days of `days` local days from `first` in `tz`."""

    def __init__(self, tz: ZoneInfo, first: dt.date, days: int):
        self.tz = tz
        self.skip = 2 * MARGIN_DAYS  # edges before the first day's morning
        edges: list[int] = []
        offsets: list[int] = []  # seconds east of UTC at each edge
        day_texts: list[str] = []
        for index in range(-MARGIN_DAYS, days + MARGIN_DAYS + 1):
            day = first + dt.timedelta(days=index)
            for time in (dt.time(), NOON):
                local = dt.datetime.combine(day, time, tzinfo=tz)
                edges.append(epoch(local))
                offset = dt.datetime.fromtimestamp(edges[-1], tz).utcoffset()
                offsets.append(int(offset.total_seconds()) if offset else 0)
                day_texts.append(f"{day.isoformat()} ")
        # A half-day within which the offset changes (a DST switch) is read the slow way.
        regular = [
            dt.datetime.fromtimestamp(edges[i + 1] - 1, tz).utcoffset()
            == dt.timedelta(seconds=offsets[i])
            for i in range(len(edges) - 1)
        ]
        self.edges, self.offsets, self.day_texts, self.regular = edges, offsets, day_texts, regular
        self._placed: dict[tuple[int, int], tuple[int, int, str]] = {}

    def start_line(self, moment: int) -> int:
        """The grid line that starts the half-day holding `moment` (before line 1 when
        it is before the window)."""
        return bisect_right(self.edges, moment) - self.skip

    def end_line(self, moment: int) -> int:
        """The grid line that ends the half-day holding the instant just before
        `moment`: a slot ending at noon fills the morning only."""
        return bisect_left(self.edges, moment) - self.skip + 1

    def day(self, moment: int) -> int:
        """The local day of `moment`, 0 for the first (negative before it)."""
        return (self.start_line(moment) - 1) // 2

    def text(self, moment: int) -> str:
        """Local `YYYY-MM-DD HH:MM`, as datetime.isoformat(" ", "minutes") writes it."""
        index = bisect_right(self.edges, moment) - 1
        if 0 <= index < len(self.regular) and self.regular[index]:
            minute = (moment + self.offsets[index]) % 86400 // 60
            return self.day_texts[index] + HOURS_MINUTES[minute]
        return dt.datetime.fromtimestamp(moment, self.tz).isoformat(" ", "minutes")[:16]

    def place(self, start: int, end: int) -> tuple[int, int, str]:
        """The grid lines of the half-days `[start, end)` touches, and its local hours
        (`2026-12-06 09:00 → 11:00`, the end's date only when it is another day).
        Remembered: the rentals of one zone often share their hours."""
        key = (start, end)
        placed = self._placed.get(key)
        if placed is None:
            begins, ends = self.text(start), self.text(end)
            hours = f"{begins} → {ends[11:] if ends[:10] == begins[:10] else ends}"
            placed = self._placed[key] = (self.start_line(start), self.end_line(end), hours)
        return placed
