"""bookings/recurrence.py: expanding an RRULE at the first start's local wall-clock time."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.recurrence import MAX_OCCURRENCES, InvalidRecurrence, expand

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def local(tz: ZoneInfo, *args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz, fold=fold)


def walls(occurrences, tz):
    return [o.start_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") for o in occurrences]


# --- daylight-saving time ----------------------------------------------------------------


def test_a_weekly_0900_series_in_paris_keeps_0900_across_both_changes():
    # Saturdays from 2027-03-20 to 2027-11-06: the last Sundays of March (28th) and
    # October (31st) fall inside.
    start = local(PARIS, 2027, 3, 20, 9, 0)
    occurrences = expand(
        "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271107T000000Z",
        start_at=start,
        end_at=start + dt.timedelta(hours=1),
        tz=PARIS,
    )
    assert {w[-5:] for w in walls(occurrences, PARIS)} == {"09:00"}
    utc_hours = [o.start_at.astimezone(UTC).hour for o in occurrences]
    assert utc_hours[0] == 8  # CET, UTC+1
    assert utc_hours[2] == 7  # 2027-04-03: CEST, UTC+2 — the instant moved by an hour
    assert utc_hours[-1] == 8  # 2027-11-06: back to CET
    assert all(o.end_at - o.start_at == dt.timedelta(hours=1) for o in occurrences)
    assert occurrences[-1].local_date == dt.date(2027, 11, 6)


def test_a_daily_series_in_new_york_keeps_its_wall_clock_time_through_march_and_november():
    start = local(NEW_YORK, 2027, 3, 12, 18, 30)
    occurrences = expand(
        "FREQ=DAILY;COUNT=4", start_at=start, end_at=start + dt.timedelta(hours=2), tz=NEW_YORK
    )
    assert walls(occurrences, NEW_YORK) == [
        "2027-03-12 18:30",
        "2027-03-13 18:30",
        "2027-03-14 18:30",  # DST began at 02:00 that morning
        "2027-03-15 18:30",
    ]
    assert [o.start_at.astimezone(UTC).hour for o in occurrences] == [23, 23, 22, 22]

    start = local(NEW_YORK, 2027, 11, 6, 8, 0)
    occurrences = expand(
        "FREQ=DAILY;COUNT=2", start_at=start, end_at=start + dt.timedelta(hours=1), tz=NEW_YORK
    )
    assert [o.start_at.astimezone(UTC).hour for o in occurrences] == [12, 13]


def test_a_start_inside_the_spring_forward_gap_is_read_with_the_offset_before_it():
    # 02:30 does not exist in Paris on 2027-03-28: RFC 5545 reads it as 02:30 CET,
    # 01:30 UTC, which the clock shows as 03:30.
    start = local(PARIS, 2027, 3, 27, 2, 30)
    occurrences = expand(
        "FREQ=DAILY;COUNT=3", start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS
    )
    gap_day = occurrences[1]
    assert gap_day.start_at == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert gap_day.start_at.astimezone(PARIS).strftime("%H:%M") == "03:30"
    assert gap_day.end_at == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC) + dt.timedelta(hours=1)
    assert occurrences[2].start_at.astimezone(PARIS).strftime("%H:%M") == "02:30"


def test_an_occurrence_that_would_end_before_it_starts_keeps_the_first_duration():
    # 02:30 → 03:15 wall clock (45 minutes); on the gap day 02:30 is 01:30 UTC and 03:15
    # CEST is 01:15 UTC: the occurrence keeps 45 minutes of absolute time instead.
    start = local(PARIS, 2027, 3, 27, 2, 30)
    occurrences = expand(
        "FREQ=DAILY;COUNT=2", start_at=start, end_at=start + dt.timedelta(minutes=45), tz=PARIS
    )
    assert occurrences[1].end_at - occurrences[1].start_at == dt.timedelta(minutes=45)


def test_an_ambiguous_fall_back_time_is_its_first_summer_time_occurrence():
    # 02:30 happens twice in Paris on 2027-10-31; the first is 02:30 CEST, 00:30 UTC.
    start = local(PARIS, 2027, 10, 30, 2, 30)
    occurrences = expand(
        "FREQ=DAILY;COUNT=2", start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS
    )
    assert occurrences[1].start_at == dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_a_multi_night_stay_keeps_its_local_check_out_time_across_a_change():
    # Saturday 16:00 → Saturday 10:00 weekly; the week of 2027-03-27 spans the change.
    start = local(PARIS, 2027, 3, 20, 16, 0)
    end = local(PARIS, 2027, 3, 27, 10, 0)
    occurrences = expand("FREQ=WEEKLY;COUNT=3", start_at=start, end_at=end, tz=PARIS)
    assert [o.end_at.astimezone(PARIS).strftime("%m-%d %H:%M") for o in occurrences] == [
        "03-27 10:00",
        "04-03 10:00",
        "04-10 10:00",
    ]
    assert occurrences[1].end_at - occurrences[1].start_at == dt.timedelta(days=6, hours=17)


def test_the_first_booking_is_kept_exactly_even_in_the_second_fall_back_hour():
    start = local(PARIS, 2027, 10, 31, 2, 30, fold=1)  # 02:30 CET, 01:30 UTC
    occurrences = expand(
        "FREQ=DAILY;COUNT=2", start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS
    )
    assert occurrences[0].start_at == dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert occurrences[1].start_at == dt.datetime(2027, 11, 1, 1, 30, tzinfo=UTC)


# --- the rule's parts -------------------------------------------------------------------


def test_the_first_booking_counts_even_when_it_does_not_match_the_rule():
    friday = local(PARIS, 2027, 1, 8, 10, 0)
    occurrences = expand(
        "RRULE:FREQ=WEEKLY;BYDAY=SA;COUNT=3",
        start_at=friday,
        end_at=friday + dt.timedelta(hours=1),
        tz=PARIS,
    )
    assert [o.local_date.isoformat() for o in occurrences] == [
        "2027-01-08",
        "2027-01-09",
        "2027-01-16",
    ]


def test_a_local_until_date_includes_that_whole_local_day():
    start = local(PARIS, 2027, 1, 4, 20, 0)
    occurrences = expand(
        "FREQ=DAILY;UNTIL=20270106", start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS
    )
    assert [o.local_date.day for o in occurrences] == [4, 5, 6]


def test_366_occurrences_are_allowed():
    start = local(PARIS, 2027, 1, 1, 9, 0)
    occurrences = expand(
        "FREQ=DAILY;COUNT=366", start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS
    )
    assert len(occurrences) == MAX_OCCURRENCES


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "can't be blank"),
        ("FREQ=HOURLY;COUNT=3", "FREQ=HOURLY is not supported"),
        ("FREQ=YEARLY;COUNT=3", "FREQ=YEARLY is not supported"),
        ("COUNT=3", "FREQ is required"),
        ("FREQ=DAILY", "COUNT or UNTIL is required"),
        ("FREQ=DAILY;COUNT=367", "COUNT must be a whole number from 1 to 366"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a whole number"),
        ("FREQ=DAILY;COUNT=abc", "COUNT must be a whole number"),
        ("FREQ=DAILY;COUNT=¹", "COUNT must be a whole number"),
        ("FREQ=DAILY;COUNT=2;INTERVAL=٣", "INTERVAL must be"),
        ("FREQ=DAILY;UNTIL=٢٠٢٧٠١٠١", "is not a date"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270601T000000Z", "not both"),
        ("FREQ=DAILY;COUNT=3;BYHOUR=9", "BYHOUR is not supported"),
        ("FREQ=DAILY;COUNT=3;BYWEEKNO=3", "BYWEEKNO is not supported"),
        ("FREQ=DAILY;COUNT=3;INTERVAL=0", "INTERVAL must be"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "does not parse"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL=TOMORROW is not a date"),
        ("FREQ=DAILY;UNTIL=20271345", "is not a valid date"),
        ("not a rule", "is not a NAME=VALUE part"),
        ("DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY;COUNT=2", "single RRULE"),
        ("FREQ=DAILY;UNTIL=20280301T000000Z", "more than 366 occurrences"),
        ("FREQ=MONTHLY;COUNT=40", "more than 3 years after the first"),
        ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", "gives only 1 of its COUNT=3"),
        ("FREQ=DAILY;COUNT=2;" + "X" * 600, "too long"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_part(rule, message):
    start = local(PARIS, 2027, 1, 1, 9, 0)
    with pytest.raises(InvalidRecurrence) as caught:
        expand(rule, start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS)
    assert list(caught.value.errors) == ["recurrence"]
    assert any(message in text for text in caught.value.errors["recurrence"]), caught.value


def test_a_stay_longer_than_its_repeat_interval_is_refused():
    start = local(PARIS, 2027, 1, 1, 16, 0)
    with pytest.raises(InvalidRecurrence, match="overlap each other"):
        expand("FREQ=DAILY;COUNT=2", start_at=start, end_at=start + dt.timedelta(days=3), tz=PARIS)


def test_every_problem_of_a_rule_is_named_at_once():
    start = local(PARIS, 2027, 1, 1, 9, 0)
    with pytest.raises(InvalidRecurrence) as caught:
        expand(
            "FREQ=HOURLY;BYHOUR=3", start_at=start, end_at=start + dt.timedelta(hours=1), tz=PARIS
        )
    assert len(caught.value.errors["recurrence"]) == 3


def test_a_rule_running_past_year_9999_is_refused_not_crashed():
    zone = ZoneInfo("UTC")
    start = local(zone, 9999, 6, 1, 9, 0)
    with pytest.raises(InvalidRecurrence):
        expand(
            "FREQ=MONTHLY;COUNT=36", start_at=start, end_at=start + dt.timedelta(hours=1), tz=zone
        )


# --- properties ----------------------------------------------------------------------------

ZONES = st.sampled_from([PARIS, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")])
RULES = st.builds(
    lambda freq, count, interval: f"FREQ={freq};COUNT={count};INTERVAL={interval}",
    st.sampled_from(["DAILY", "WEEKLY"]),
    st.integers(1, 50),  # 50 × 3 weeks stays within the 3 years
    st.integers(1, 3),
)


@settings(max_examples=150, deadline=None)
@given(
    zone=ZONES,
    rule=RULES,
    start=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1)),
    minutes=st.integers(15, 60 * 24 * 10),
)
def test_occurrences_keep_the_wall_clock_time_duration_and_order(zone, rule, start, minutes):
    start_at = start.replace(second=0, microsecond=0, tzinfo=zone).astimezone(UTC)
    end_at = start_at + dt.timedelta(minutes=minutes)
    try:
        occurrences = expand(rule, start_at=start_at, end_at=end_at, tz=zone)
    except InvalidRecurrence as exc:
        # The only refusal such a rule can meet: a stay longer than its repeat interval.
        assert "overlap each other" in str(exc)
        assert minutes > 60 * 24
        return
    count = int(rule.split("COUNT=")[1].split(";")[0])

    assert len(occurrences) == count
    assert occurrences[0].start_at == start_at and occurrences[0].end_at == end_at
    first_wall = start_at.astimezone(zone).replace(tzinfo=None)
    for occurrence in occurrences:
        assert occurrence.start_at.tzinfo is not None
        assert occurrence.start_at < occurrence.end_at
        # The wall-clock time is the first's, unless it does not exist that day (then it
        # is shifted by the gap, never by more than the gap's length, at most 2 hours).
        wall = occurrence.start_at.astimezone(zone).replace(tzinfo=None)
        assert wall.date() == occurrence.local_date
        shift = dt.datetime.combine(dt.date.min, wall.time()) - dt.datetime.combine(
            dt.date.min, first_wall.time()
        )
        assert dt.timedelta(0) <= shift <= dt.timedelta(hours=2)
        # Duration on the local clock is the first's; in absolute time it differs by at
        # most one daylight-saving shift.
        assert abs((occurrence.end_at - occurrence.start_at) - (end_at - start_at)) <= dt.timedelta(
            hours=2
        )
    for before, after in itertools.pairwise(occurrences):
        assert before.end_at <= after.start_at
    assert occurrences[-1].local_date <= occurrences[0].local_date + relativedelta(years=3)


@settings(max_examples=60, deadline=None)
@given(zone=ZONES, count=st.integers(367, 100_000))
def test_no_rule_ever_yields_more_than_366(zone, count):
    start = dt.datetime(2027, 1, 1, 9, tzinfo=zone)
    with pytest.raises(InvalidRecurrence):
        expand(
            f"FREQ=DAILY;COUNT={count}",
            start_at=start,
            end_at=start + dt.timedelta(hours=1),
            tz=zone,
        )
