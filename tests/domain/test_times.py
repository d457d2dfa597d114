"""DESIGN §3 times: true UTC instants; bare dates mean the rental's check-in/out time locally."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ValidationFailed
from core.timeparse import as_utc_instant, parse_instant
from tests.factories import booking_create, booking_update

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _create(rental, clock, start, end):
    return booking_create(
        rental=rental, data={"start_at": start, "end_at": end, "booked": True}, now=clock
    )


@pytest.mark.parametrize(
    ("start", "end", "start_utc", "end_utc"),
    [
        # Summer (CEST, UTC+2): 16:00 and 10:00 in Paris.
        (
            "2030-07-01",
            "2030-07-05",
            dt.datetime(2030, 7, 1, 14, tzinfo=UTC),
            dt.datetime(2030, 7, 5, 8, tzinfo=UTC),
        ),
        # Winter (CET, UTC+1).
        (
            "2030-01-10",
            "2030-01-12",
            dt.datetime(2030, 1, 10, 15, tzinfo=UTC),
            dt.datetime(2030, 1, 12, 9, tzinfo=UTC),
        ),
        # Across the spring change (31 March 2030): arrive in CET, leave in CEST.
        (
            "2030-03-30",
            "2030-04-01",
            dt.datetime(2030, 3, 30, 15, tzinfo=UTC),
            dt.datetime(2030, 4, 1, 8, tzinfo=UTC),
        ),
        # Across the autumn change (27 October 2030): arrive in CEST, leave in CET.
        (
            "20301026",
            "20301028",
            dt.datetime(2030, 10, 26, 14, tzinfo=UTC),
            dt.datetime(2030, 10, 28, 9, tzinfo=UTC),
        ),
    ],
)
def test_a_bare_date_is_the_rentals_checkin_or_checkout_time_in_its_zone(
    rental, clock, start, end, start_utc, end_utc
):
    booking = _create(rental, clock, start, end)
    booking.refresh_from_db()
    assert (booking.start_at, booking.end_at) == (start_utc, end_utc)


def test_bare_dates_follow_the_rentals_own_times_and_zone(account, make_rental, clock):
    rental = make_rental(
        account,
        timezone="America/New_York",
        checkin_time=dt.time(15, 30),
        checkout_time=dt.time(11),
    )
    booking = _create(rental, clock, "2030-07-01", "2030-07-03")
    assert booking.start_at == dt.datetime(2030, 7, 1, 19, 30, tzinfo=UTC)
    assert booking.end_at == dt.datetime(2030, 7, 3, 15, tzinfo=UTC)


def test_back_to_back_stays_given_as_dates_do_not_overlap(rental, clock):
    _create(rental, clock, "2030-07-01", "2030-07-05")
    second = _create(rental, clock, "2030-07-05", "2030-07-08")
    assert second.start_at == dt.datetime(2030, 7, 5, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2030-07-01T14:00:00Z",
        "2030-07-01T14:00:00+00:00",
        "2030-07-01T16:00:00+02:00",
        "2030-07-01T09:00:00-05:00",
        "2030-07-01 14:00:00 UTC",
        "2030-07-01T14:00:00",  # no offset: UTC
        "2030-07-01T14:00:00.000Z",
        dt.datetime(2030, 7, 1, 16, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
)
def test_every_accepted_time_format_is_the_same_instant(rental, clock, value):
    booking = _create(rental, clock, value, "2030-07-03T08:00:00Z")
    booking.refresh_from_db()
    assert booking.start_at == dt.datetime(2030, 7, 1, 14, tzinfo=UTC)


def test_a_date_object_is_a_bare_date(rental, clock):
    booking = _create(rental, clock, dt.date(2030, 7, 1), dt.date(2030, 7, 3))
    assert booking.start_at == dt.datetime(2030, 7, 1, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["01/07/2030", "2030-13-01", "20301301", "tomorrow", "2030-07-01T25:00:00Z", 20300701, True],
)
def test_a_time_that_does_not_parse_is_rejected_naming_the_field(rental, clock, value):
    with pytest.raises(ValidationFailed) as caught:
        _create(rental, clock, value, "2030-07-03")
    assert list(caught.value.errors) == ["start_at"]


def test_an_update_with_a_bare_date_uses_the_rentals_checkout_time(rental, clock):
    booking = _create(rental, clock, "2030-07-01", "2030-07-03")
    booking_update(booking=booking, data={"end_at": "2030-07-04"}, now=clock)
    booking.refresh_from_db()
    assert booking.end_at == dt.datetime(2030, 7, 4, 8, tzinfo=UTC)


def test_a_bare_tentative_expiry_date_is_midnight_in_the_rentals_zone(rental, clock):
    booking = booking_create(
        rental=rental,
        data={
            "start_at": "2030-07-01",
            "end_at": "2030-07-03",
            "tentative_expires_at": "2030-06-28",
        },
        now=clock,
    )
    assert booking.tentative_expires_at == dt.datetime(2030, 6, 27, 22, tzinfo=UTC)


def test_query_parameters_treat_a_bare_date_as_midnight_utc():
    assert as_utc_instant("2030-07-01") == dt.datetime(2030, 7, 1, tzinfo=UTC)
    assert as_utc_instant("20300701") == dt.datetime(2030, 7, 1, tzinfo=UTC)
    assert as_utc_instant("2030-07-01 10:00:00 UTC") == dt.datetime(2030, 7, 1, 10, tzinfo=UTC)
    assert as_utc_instant("2030-07-01T12:00:00+02:00") == dt.datetime(2030, 7, 1, 10, tzinfo=UTC)


def test_parse_instant_returns_a_date_only_for_bare_dates():
    assert parse_instant("2030-07-01") == dt.date(2030, 7, 1)
    assert parse_instant("20300701") == dt.date(2030, 7, 1)
    assert isinstance(parse_instant("2030-07-01T00:00:00Z"), dt.datetime)
