"""Threat: a time near year 1 or 9999 that overflows (`astimezone`, `+ months`, `-
balance_due_days`) either at once (a 500) or on every later read of the row. Every time
the API takes, in a body or a query parameter, lies within 1970-01-01T00:00:00Z ..
2199-12-31T23:59:59Z inclusive (DESIGN §15), else 422 naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from core.timeparse import MAX_INSTANT, MIN_INSTANT, as_utc_instant, bounded_instant, parse_instant
from tests.api.conftest import wrap

UTC = dt.UTC
OUTSIDE = [
    "0001-01-01T00:00:00+01:00",  # OverflowError in astimezone before the bounds
    "9999-12-31T23:00:00-05:00",
    "1969-12-31T23:59:59Z",
    "2200-01-01T00:00:00Z",
    "1970-01-01T00:59:59+01:00",  # 1969-12-31T23:59:59Z
    "0001-01-01",
    "99991231",
    "2200-01-02",
]
INSIDE = [
    ("1970-01-01T00:00:00Z", MIN_INSTANT),
    ("2199-12-31T23:59:59Z", MAX_INSTANT),
    ("2200-01-01T00:59:59+01:00", MAX_INSTANT),
    ("1970-01-01", MIN_INSTANT),
    ("2199-12-31 23:59:59 UTC", MAX_INSTANT),
]


@pytest.mark.parametrize("value", OUTSIDE)
def test_times_outside_the_bounds_are_a_value_error(value):
    with pytest.raises(ValueError, match="between 1970"):
        as_utc_instant(value)


@pytest.mark.parametrize(("value", "instant"), INSIDE)
def test_the_bounds_are_inclusive(value, instant):
    assert as_utc_instant(value) == instant


def test_bounded_instant_never_overflows():
    for extreme in (dt.datetime.min, dt.datetime.max):
        for offset in (-14, 0, 14):
            with pytest.raises(ValueError):
                bounded_instant(extreme.replace(tzinfo=dt.timezone(dt.timedelta(hours=offset))))


def test_a_bare_date_next_to_a_bound_is_left_to_the_caller():
    """A rental's check-in on 2199-12-31 in UTC-10 is 2200-01-01Z; the caller decides."""
    assert parse_instant("1969-12-31") == dt.date(1969, 12, 31)
    assert parse_instant("2200-01-01") == dt.date(2200, 1, 1)


@pytest.mark.parametrize("param", ["from", "until", "updated_since"])
@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+01:00", "9999-12-31", "2200-01-01T00:00:00Z"]
)
def test_a_search_time_outside_the_bounds_is_a_422_naming_the_parameter(api, db, param, value):
    response = api.get("/api/v3/bookings", {param: value})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == param
    assert "1970" in response.json()["errors"][0]["title"]


def test_from_plus_the_most_months_at_the_upper_bound_still_answers(api, db):
    response = api.get("/api/v3/bookings", {"from": "2199-12-31T23:59:59Z", "months": 1200})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_at", "0001-01-01T00:00:00+01:00"),
        ("end_at", "9999-12-31T23:00:00-05:00"),
        ("start_at", "1969-12-31T23:59:59Z"),
        ("end_at", "2200-01-01T00:00:00Z"),
        ("tentative_expires_at", "9999-12-31T23:00:00-05:00"),
        ("booked_at", "0001-01-01T00:00:00+01:00"),
    ],
)
def test_a_booking_time_outside_the_bounds_is_a_422(api, rental, field, value):
    body = {"start_at": "2031-01-01T16:00:00Z", "end_at": "2031-01-05T10:00:00Z", field: value}
    if field != "tentative_expires_at":
        body["booked"] = True
    url = f"/api/v3/rentals/{rental.pk}/bookings"
    response = api.post(url, wrap("bookings", **body), format="json")
    assert response.status_code == 422, response.content
    assert field in {error.get("field") for error in response.json()["errors"]}
