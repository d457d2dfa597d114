"""The time formats the API accepts (DESIGN §4), parsed with the standard library.

`parse_instant` returns an aware datetime, or a `date` when only a date was given so
the caller can decide what a bare date means (a rental's check-in time, midnight UTC).
"""

from __future__ import annotations

import datetime as dt

_RUBY_UTC_SUFFIX = " UTC"


def parse_instant(value: str | dt.date | dt.datetime) -> dt.datetime | dt.date:
    """Parse ISO 8601 (with offset or Z; no offset means UTC), `YYYY-MM-DD`, `YYYYMMDD`
    or `YYYY-MM-DD HH:MM:SS UTC`. Raises ValueError on anything else."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a time")
    text = value.strip()
    if text.endswith(_RUBY_UTC_SUFFIX):
        text = text.removesuffix(_RUBY_UTC_SUFFIX) + "+00:00"
    if len(text) in (8, 10) and "T" not in text and ":" not in text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a date or time") from None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date or time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def as_utc_instant(value: str | dt.date | dt.datetime) -> dt.datetime:
    """A query parameter: a bare date means midnight UTC of that day."""
    parsed = parse_instant(value)
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime.combine(parsed, dt.time(0, 0), tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
