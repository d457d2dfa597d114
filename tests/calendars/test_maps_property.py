"""The maps against an independent day-by-day computation over random bookings, in time
zones with and without daylight-saving changes (hypothesis)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.occupancy import micros
from calendars.selectors import MAP_DAYS, MapOptions, _maps_for
from rentals.models import Rental

ZONES = [
    "UTC",
    "Europe/Paris",  # DST at 02:00 local, last Sundays of March and October
    "America/New_York",
    "Australia/Sydney",  # southern hemisphere: DST in the other half of the year
    "America/Santiago",  # changes at midnight: local midnight may not exist
    "Asia/Kolkata",  # half-hour offset
    "Pacific/Chatham",  # 45-minute offset, with DST
]
START = dt.date(2030, 1, 1)
NOW = dt.datetime(2029, 12, 1, tzinfo=dt.UTC)
PRIORITY = {"0": 0, "2": 1, "3": 2, "1": 3}
CODE = {"booked": "1", "tentative": "2", "unavailable": "3"}

times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
bookings = st.lists(
    st.tuples(
        st.sampled_from(["booked", "tentative", "unavailable", "canceled", "expired"]),
        # start: minutes from the map's start, up to a little past its end
        st.integers(-3 * 1440, (MAP_DAYS + 3) * 1440),
        st.integers(1, 30 * 1440),  # duration in minutes
        st.integers(0, 2 * 1440),  # buffer before
        st.integers(0, 2 * 1440),  # buffer after
    ),
    max_size=25,
)


def _row(status, start_minutes, duration, before, after):
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=start_minutes)
    expires = None
    if status in ("tentative", "expired"):
        expires = NOW + dt.timedelta(days=1 if status == "tentative" else -1)
        status = "tentative"
    return {
        "rental_id": 1,
        "status": status,
        "tentative_expires_at": expires,
        "start_at": start,
        "end_at": start + dt.timedelta(minutes=duration),
        "updated_at": NOW,
        "buffer_before": before,
        "buffer_after": after,
    }


def as_selected(rows):
    """Rows as the map query selects them: times in microseconds since the epoch."""
    times = ("tentative_expires_at", "start_at", "end_at", "updated_at")
    return [
        {k: (micros(v) if k in times and v is not None else v) for k, v in row.items()}
        for row in rows
    ]


def day_by_day(rental: Rental, rows, *, include_tentative: bool) -> tuple[str, str]:
    """The definition of DESIGN §12, one night at a time (night -1 for the change-overs)."""
    tz = zoneinfo.ZoneInfo(rental.timezone)
    nights = []
    for index in range(-1, MAP_DAYS):
        day = START + dt.timedelta(days=index)
        night_start = dt.datetime.combine(day, rental.checkin_time, tzinfo=tz)
        night_end = dt.datetime.combine(day + dt.timedelta(days=1), rental.checkout_time, tzinfo=tz)
        best = "0"
        for row in rows:
            if row["status"] == "canceled":
                continue
            if row["status"] == "tentative" and row["tentative_expires_at"] <= NOW:
                continue
            start = row["start_at"] - dt.timedelta(minutes=row["buffer_before"])
            end = row["end_at"] + dt.timedelta(minutes=row["buffer_after"])
            if start < night_end and end > night_start:
                code = CODE[row["status"]]
                if PRIORITY[code] > PRIORITY[best]:
                    best = code
        nights.append(best)
    change_over = "".join(
        "XOIC"[2 * (nights[i + 1] == "0") + (nights[i] == "0")] for i in range(MAP_DAYS)
    )
    shown = [("0" if c == "2" and not include_tentative else c) for c in nights[1:]]
    return "".join(shown), change_over


@settings(max_examples=80, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    checkin=times,
    checkout=times,
    raw=bookings,
    include_tentative=st.booleans(),
)
def test_maps_match_the_day_by_day_definition(zone, checkin, checkout, raw, include_tentative):
    rental = Rental(pk=1, timezone=zone, checkin_time=checkin, checkout_time=checkout)
    rental.updated_at = NOW - dt.timedelta(days=30)
    rows = [_row(*spec) for spec in raw]
    maps = _maps_for(
        rental,
        START,
        as_selected(rows),
        [],
        now=NOW,
        options=MapOptions(start_date=START, include_tentative=include_tentative),
    )
    availability, change_over = day_by_day(rental, rows, include_tentative=include_tentative)
    assert maps.availability == availability
    assert maps.change_over == change_over
    assert len(maps.availability) == len(maps.change_over) == MAP_DAYS


def test_boolean_map_shows_every_taken_night_as_one():
    rental = Rental(pk=1, timezone="Europe/Paris")
    rental.updated_at = NOW
    rows = [
        _row("unavailable", 0, 2 * 1440, 0, 0),
        _row("tentative", 5 * 1440, 1440, 0, 0),
    ]
    maps = _maps_for(
        rental,
        START,
        as_selected(rows),
        [],
        now=NOW,
        options=MapOptions(start_date=START, boolean=True),
    )
    assert set(maps.availability) == {"0", "1"}
    assert maps.availability.startswith("11000") or maps.availability.startswith("1100")
    assert maps.availability[5] == "1"


def test_an_active_slot_window_reads_unavailable():
    rental = Rental(pk=1, timezone="UTC")
    rental.updated_at = NOW
    slot = (dt.datetime(2030, 1, 3, 18, tzinfo=dt.UTC), dt.datetime(2030, 1, 4, 9, tzinfo=dt.UTC))
    maps = _maps_for(rental, START, [], [slot], now=NOW, options=MapOptions(start_date=START))
    assert maps.availability[:5] == "00300"
