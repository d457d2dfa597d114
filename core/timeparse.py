"""The time formats the API accepts (DESIGN §4), parsed with the standard library, and the
range every accepted time lies in (DESIGN §15).

`parse_instant` returns an aware datetime, or a `date` when only a date was given so
the caller can decide what a bare date means (a rental's check-in time, midnight UTC);
the caller then passes what it built through `bounded_instant`.

Why bounds: Python's datetime stops at years 1 and 9999, so `0001-01-01T00:00:00+01:00`
overflows in `astimezone`, and a stored time near either end makes later arithmetic
(`start_at - balance_due_days`, `from + months`, a calendar's next month) fail on every
read of that row. Nothing a booking system stores lies outside 1970–2199.
"""

from __future__ import annotations

import datetime as dt

MIN_INSTANT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_INSTANT = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
OUT_OF_RANGE = "must be between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z"

# A bare date is turned into an instant by the caller (in a rental's zone, UTC ±14 h at
# most), so dates one day beyond the bounds are let through to `bounded_instant`.
_MIN_DATE = MIN_INSTANT.date() - dt.timedelta(days=1)
_MAX_DATE = MAX_INSTANT.date() + dt.timedelta(days=1)

_RUBY_UTC_SUFFIX = " UTC"


def bounded_instant(value: dt.datetime) -> dt.datetime:
    """`value` in UTC if it lies within MIN_INSTANT..MAX_INSTANT (inclusive), else ValueError.

    Every parser of times calls this once it has an instant; it never overflows, whatever
    the year and offset of `value`.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        raise ValueError(OUT_OF_RANGE) from None
    if not MIN_INSTANT <= utc <= MAX_INSTANT:
        raise ValueError(OUT_OF_RANGE)
    return utc


def parse_instant(value: str | dt.date | dt.datetime) -> dt.datetime | dt.date:
    """Parse ISO 8601 (with offset or Z; no offset means UTC), `YYYY-MM-DD`, `YYYYMMDD`
    or `YYYY-MM-DD HH:MM:SS UTC`. Raises ValueError on anything else, and on a time
    outside the bounds (a datetime is returned in its own offset, checked; a date is
    returned when it is near enough the bounds for the caller's `bounded_instant`)."""
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | dt.date = value
    elif isinstance(value, dt.date):
        parsed = value
    elif isinstance(value, str):
        parsed = _parse_text(value)
    else:
        raise ValueError("must be a time")
    if isinstance(parsed, dt.datetime):
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        bounded_instant(parsed)
    elif not _MIN_DATE <= parsed <= _MAX_DATE:
        raise ValueError(OUT_OF_RANGE)
    return parsed


def _parse_text(value: str) -> dt.datetime | dt.date:
    text = value.strip()
    if text.endswith(_RUBY_UTC_SUFFIX):
        text = text.removesuffix(_RUBY_UTC_SUFFIX) + "+00:00"
    if len(text) in (8, 10) and "T" not in text and ":" not in text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value[:40]!r} is not a date or time") from None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a date or time") from None


def as_utc_instant(value: str | dt.date | dt.datetime) -> dt.datetime:
    """A query parameter: a bare date means midnight UTC of that day."""
    parsed = parse_instant(value)
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime.combine(parsed, dt.time(0, 0), tzinfo=dt.UTC)
    return bounded_instant(parsed)
