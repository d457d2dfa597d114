"""The occurrences of a recurring series (DESIGN §9): an RFC 5545 RRULE expanded in the
rental's time zone, pure and typed (no database, no wire strings beyond the rule itself).

Rules of the expansion:

1. The rule is one RRULE value (`FREQ=WEEKLY;BYDAY=SA;COUNT=10`, optionally prefixed
   `RRULE:`), parsed by python-dateutil. `FREQ` is DAILY, WEEKLY or MONTHLY; `COUNT` or
   `UNTIL` is required; BYHOUR / BYMINUTE / BYSECOND are refused (every occurrence keeps
   the first start's time of day) and so are the YEARLY-only BYYEARDAY / BYWEEKNO.
2. The first occurrence is the given booking, exactly, and counts towards `COUNT`, as
   RFC 5545 says of DTSTART — also when it does not match the rule (a `BYDAY=SA` series
   whose first booking is a Friday: that Friday, then the Saturdays).
3. Every other occurrence starts at the first start's **local wall-clock time** in the
   rental's zone on its date, so a 09:00 meeting stays at 09:00 across daylight-saving
   changes and its UTC instant moves. It ends at the first end's wall-clock offset from
   its start (a 16:00 → 10:00 stay keeps checking out at 10:00 local), so occurrences have
   the same duration on the local clock.
4. A local time that does not exist (the spring-forward gap) or exists twice (the
   fall-back hour) is resolved as RFC 5545 §3.3.5 says, which is also Python's `fold=0`:
   a nonexistent time is read with the offset before the gap (02:30 in Paris on the last
   Sunday of March is 01:30 UTC, which the clock shows as 03:30), an ambiguous time is
   its first occurrence (the summer-time one). Should that make an occurrence end at or
   before its start (only possible when it starts inside a gap), it keeps the first
   occurrence's duration in absolute time instead.
5. Occurrences may not overlap one another (a 3-day stay repeated daily is refused here,
   with that reason, rather than by the overlap rule naming the series' own booking).
6. At most MAX_OCCURRENCES occurrences, none starting more than MAX_YEARS after the
   first (measured on the local calendar).

`UNTIL` with `Z` is a UTC instant; without it (`UNTIL=20270601` or `…T120000`), a local
time in the rental's zone (a bare date means the end of that local day).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from core.errors import ValidationFailed

MAX_OCCURRENCES = 366
MAX_YEARS = 3
MAX_RULE_LENGTH = 500
FIELD = "recurrence"

ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY")
ALLOWED_PARTS = frozenset(
    {"FREQ", "COUNT", "UNTIL", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)
TIME_OF_DAY_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
_PART = re.compile(r"^[A-Z]+$")
_LOCAL_UNTIL = re.compile(r"^([0-9]{8})(T([0-9]{6}))?$")


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "¹" or "٣", which int() refuses."""
    return text.isascii() and text.isdigit()


class InvalidRecurrence(ValidationFailed):
    """The rule does not parse or breaks a limit; the message names the part at fault."""

    default_field = FIELD


@dataclass(frozen=True)
class Occurrence:
    """One booking of the series: true UTC instants, and the local date it falls on."""

    start_at: dt.datetime
    end_at: dt.datetime
    local_date: dt.date


def expand(
    rule: str, *, start_at: dt.datetime, end_at: dt.datetime, tz: ZoneInfo
) -> list[Occurrence]:
    """Every occurrence of `rule` for a first booking `[start_at, end_at)` (aware instants)
    on a rental in `tz`, in order; raises InvalidRecurrence naming what is wrong."""
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise ValueError("start_at and end_at must be aware datetimes")
    # UTC first: aware datetimes in one zone compare by wall clock, ignoring `fold`.
    start_at, end_at = start_at.astimezone(dt.UTC), end_at.astimezone(dt.UTC)
    if start_at >= end_at:
        raise InvalidRecurrence("the first occurrence must end after it starts")
    parts = _parts(rule)
    first_local = start_at.astimezone(tz)
    wall_start = first_local.replace(tzinfo=None)
    wall_duration = end_at.astimezone(tz).replace(tzinfo=None) - wall_start
    duration = end_at - start_at
    generator = _rule(parts, dtstart=wall_start.replace(tzinfo=tz), tz=tz)

    try:
        last_allowed = wall_start + relativedelta(years=MAX_YEARS)
    except ValueError:  # within 3 years of year 9999: the calendar's end is the limit
        last_allowed = dt.datetime.max
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    occurrences = [Occurrence(start_at, end_at, first_local.date())]
    try:
        # One more than the limit is enough to know it is exceeded; the rule is never
        # walked further, whatever its COUNT or UNTIL.
        for local in itertools.islice(generator, MAX_OCCURRENCES + 1):
            wall = local.replace(tzinfo=None)
            if wall == wall_start:
                continue  # the first booking itself, already there exactly as given
            if count is not None and len(occurrences) >= count:
                break
            if wall > last_allowed:
                raise InvalidRecurrence(
                    f"an occurrence would start on {wall.date().isoformat()}, more than "
                    f"{MAX_YEARS} years after the first: lower COUNT or UNTIL"
                )
            if len(occurrences) >= MAX_OCCURRENCES:
                raise InvalidRecurrence(
                    f"the rule gives more than {MAX_OCCURRENCES} occurrences: lower COUNT or UNTIL"
                )
            occurrence = _occurrence(wall, wall_duration, duration, tz)
            if occurrence.start_at < occurrences[-1].end_at:
                raise InvalidRecurrence(
                    "occurrences would overlap each other: each lasts longer than the time "
                    "between two starts"
                )
            occurrences.append(occurrence)
    except (OverflowError, ValueError) as exc:  # dates past year 9999
        raise InvalidRecurrence(f"the rule runs past the supported dates ({exc})") from None
    if count is not None and len(occurrences) < count:
        # A rule no date matches (BYMONTH=2;BYMONTHDAY=30), or one running off the calendar.
        raise InvalidRecurrence(
            f"the rule gives only {len(occurrences)} of its COUNT={count} occurrences"
        )
    return occurrences


def _occurrence(
    wall: dt.datetime, wall_duration: dt.timedelta, duration: dt.timedelta, tz: ZoneInfo
) -> Occurrence:
    # replace(tzinfo=…) gives fold=0: RFC 5545's reading of gaps and repeated hours.
    start = wall.replace(tzinfo=tz).astimezone(dt.UTC)
    end = (wall + wall_duration).replace(tzinfo=tz).astimezone(dt.UTC)
    if end <= start:
        end = start + duration
    return Occurrence(start, end, wall.date())


def _parts(rule: str) -> dict[str, str]:
    """Split and check the rule's parts, with one message per problem found."""
    if not isinstance(rule, str) or not rule.strip():
        raise InvalidRecurrence("rrule can't be blank")
    text = rule.strip()
    if len(text) > MAX_RULE_LENGTH:
        raise InvalidRecurrence(f"rrule is too long (maximum is {MAX_RULE_LENGTH} characters)")
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "\n" in text or "\r" in text or ":" in text:
        raise InvalidRecurrence("rrule must be a single RRULE value (no DTSTART or other lines)")
    parts: dict[str, str] = {}
    problems: list[str] = []
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not _PART.match(name) or not value.strip():
            problems.append(f"{item.strip()[:40]!r} is not a NAME=VALUE part")
            continue
        if name in parts:
            problems.append(f"{name} is given twice")
        parts[name] = value.strip().upper()
    freq = parts.get("FREQ")
    if freq is None:
        problems.append("FREQ is required (DAILY, WEEKLY or MONTHLY)")
    elif freq not in ALLOWED_FREQS:
        problems.append(f"FREQ={freq[:20]} is not supported: use DAILY, WEEKLY or MONTHLY")
    if "COUNT" not in parts and "UNTIL" not in parts:
        problems.append("COUNT or UNTIL is required")
    if "COUNT" in parts and "UNTIL" in parts:
        problems.append("give COUNT or UNTIL, not both")
    if "COUNT" in parts:
        count = parts["COUNT"]
        if not _is_number(count) or not 1 <= int(count[:6]) <= MAX_OCCURRENCES or len(count) > 6:
            problems.append(f"COUNT must be a whole number from 1 to {MAX_OCCURRENCES}")
    if "INTERVAL" in parts:
        interval = parts["INTERVAL"]
        if not _is_number(interval) or len(interval) > 4 or int(interval) < 1:
            problems.append("INTERVAL must be a whole number from 1 to 9999")
    for name in sorted(set(parts) & TIME_OF_DAY_PARTS):
        problems.append(f"{name} is not supported: every occurrence starts at the first's time")
    for name in sorted(set(parts) - ALLOWED_PARTS - TIME_OF_DAY_PARTS):
        problems.append(f"{name[:20]} is not supported")
    if problems:
        raise InvalidRecurrence({FIELD: problems})
    return parts


def _rule(parts: dict[str, str], *, dtstart: dt.datetime, tz: ZoneInfo) -> rrule:
    parts = dict(parts)
    if "UNTIL" in parts:
        parts["UNTIL"] = _utc_until(parts["UNTIL"], tz)
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise InvalidRecurrence(f"rrule does not parse: {str(exc)[:200]}") from None
    if not isinstance(parsed, rrule):  # pragma: no cover - one RRULE line is one rrule
        raise InvalidRecurrence("rrule must be a single RRULE value")
    return parsed


def _utc_until(value: str, tz: ZoneInfo) -> str:
    """UNTIL as dateutil needs it next to an aware DTSTART: a UTC instant (`…Z`)."""
    if value.endswith("Z"):
        return value
    match = _LOCAL_UNTIL.match(value)
    if not match:
        raise InvalidRecurrence(
            f"UNTIL={value[:30]} is not a date (20270601) or a time (…T090000Z)"
        )
    try:
        day = dt.datetime.strptime(match.group(1), "%Y%m%d")
        if match.group(3):
            local = day.replace(
                hour=int(match.group(3)[:2]),
                minute=int(match.group(3)[2:4]),
                second=int(match.group(3)[4:]),
            )
        else:
            local = day.replace(hour=23, minute=59, second=59)  # the whole local day
        until = local.replace(tzinfo=tz).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise InvalidRecurrence(f"UNTIL={value[:30]} is not a valid date") from None
    return until.strftime("%Y%m%dT%H%M%SZ")
