"""Recurring series through the OfficeRnD API: every occurrence created in one transaction,
at the first start's local wall-clock time, conflicts named or skipped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking, BookingSeries, Client
from core.timefmt import utc_text
from tests.officernd.conftest import moment

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def series_body(rental, guest):
    # Saturdays 09:00–10:00 Paris from 2027-03-20, across the last Sunday of March and
    # of October 2027 (the 28th and the 31st).
    start = dt.datetime(2027, 3, 20, 9, 0, tzinfo=PARIS)
    return {
        "start": moment(utc_text(start)),
        "end": moment(utc_text(start + dt.timedelta(hours=1))),
        "resourceId": rental.pk,
        "member": guest.pk,
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271107T000000Z"},
    }


def test_a_weekly_series_keeps_0900_paris_across_both_changes(api, base, series_body):
    response = api.post(f"{base}/bookings", series_body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert len(created) == 34 == Booking.objects.count()
    starts = [dt.datetime.fromisoformat(b["start"]["dateTime"]) for b in created]
    assert {start.astimezone(PARIS).strftime("%a %H:%M") for start in starts} == {"Sat 09:00"}
    assert starts[0].hour == 8  # UTC in winter time
    assert starts[2].hour == 7  # 2027-04-03, summer time: the UTC instant moved
    assert starts[-1].hour == 8  # 2027-11-06, winter time again
    assert [b["fees"][0]["date"] for b in created][:2] == ["2027-03-20", "2027-03-27"]


def test_tentative_occurrences_each_hold_until_their_own_start(api, base, series_body):
    series_body["tentative"] = True
    series_body["recurrence"] = {"rrule": "FREQ=DAILY;COUNT=3"}
    assert api.post(f"{base}/bookings", series_body, format="json").status_code == 201
    for booking in Booking.objects.all():
        assert booking.status == Booking.Status.TENTATIVE
        assert booking.tentative_expires_at == booking.start_at


def test_a_conflicting_occurrence_fails_the_whole_series_naming_each_conflict(
    api, base, series_body, make_booking, rental
):
    from tests import factories as services

    blocker = services.booking_create(
        rental=rental,
        data={
            "start_at": "2027-04-03T06:30:00Z",
            "end_at": "2027-04-03T07:30:00Z",
            "booked": True,
        },
    )
    response = api.post(f"{base}/bookings", series_body, format="json")
    assert response.status_code == 422
    assert response.json() == {
        "message": f"recurrence.rrule: 2027-04-03 09:00: overlaps booking {blocker.reference}",
        "status": 422,
    }
    assert Booking.objects.count() == 1  # nothing of the series was written


def test_on_conflict_skip_leaves_out_the_conflicting_occurrences(api, base, series_body, rental):
    from tests import factories as services

    services.booking_create(
        rental=rental,
        data={"start_at": "2027-04-03T06:30:00Z", "end_at": "2027-04-03T07:30:00Z", "booked": True},
    )
    series_body["on_conflict"] = "skip"
    response = api.post(f"{base}/bookings", series_body, format="json")
    assert response.status_code == 201
    assert len(response.json()) == 33
    assert response["X-Skipped-Occurrences"] == "1"
    assert "2027-04-03T07:00:00Z" not in [b["start"]["dateTime"] for b in response.json()]


def test_a_series_longer_than_366_occurrences_writes_nothing(api, base, series_body):
    series_body["recurrence"] = {"rrule": "FREQ=DAILY;UNTIL=20280401T000000Z"}
    response = api.post(f"{base}/bookings", series_body, format="json")
    assert response.status_code == 422
    assert "more than 366 occurrences" in response.json()["message"]
    assert not Booking.objects.exists()


def test_occurrences_lists_the_series_expanded_in_the_window(api, base, series_body):
    api.post(f"{base}/bookings", series_body, format="json")
    response = api.get(f"{base}/bookings/occurrences", {"start": "2027-04-01", "end": "2027-04-30"})
    assert [b["start"]["dateTime"] for b in response.json()] == [
        "2027-04-03T07:00:00Z",
        "2027-04-10T07:00:00Z",
        "2027-04-17T07:00:00Z",
        "2027-04-24T07:00:00Z",
    ]


def test_a_series_reads_back_its_rule_and_the_officernd_fields(
    api, base, series_body, guest, account
):
    visitor = Client.objects.create(account=account, fullname="Grace Hopper")
    series_body.update(
        {
            "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3"},
            "free": True,
            "summary": "Board",
            "description": "Quarterly review",
            "visitors": [str(visitor.pk)],
            "members": [guest.pk],
        }
    )
    response = api.post(f"{base}/bookings", series_body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert len(created) == 3
    for booking in created:
        assert booking["recurrence"] == {"rrule": "FREQ=WEEKLY;COUNT=3"}
        assert (booking["free"], booking["summary"], booking["description"]) == (
            True,
            "Board",
            "Quarterly review",
        )
        assert booking["visitors"] == [str(visitor.pk)]
        assert booking["members"] == [str(guest.pk)]
    one = api.get(f"{base}/bookings/{created[1]['id']}").json()
    assert one["recurrence"] == {"rrule": "FREQ=WEEKLY;COUNT=3"}
    assert Booking.objects.values("series_id").distinct().count() == 1
    window = api.get(
        f"{base}/bookings/occurrences",
        {"start": "2027-03-01T00:00:00Z", "end": "2027-05-01T00:00:00Z"},
    )
    assert window.status_code == 200, window.content
    assert [b["id"] for b in window.json()] == [b["id"] for b in created]


def test_a_free_series_costs_nothing(api, base, series_body):
    series_body.update({"free": True, "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=2"}})
    assert api.post(f"{base}/bookings", series_body, format="json").status_code == 201
    assert BookingSeries.objects.count() == 1
    assert {(b.free, b.final_price) for b in Booking.objects.all()} == {(True, Decimal("0.00"))}
