"""Recurring series over the v3 API (DESIGN §9): create with `recurrence`, read
`/booking_series/{id}`, and change or cancel occurrences with `?scope=`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Booking, BookingSeries
from events.models import Event
from tests.api.conftest import wrap
from tests.factories import iso, make_booking

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS).astimezone(dt.UTC)


def post_series(api, rental, rrule="FREQ=WEEKLY;COUNT=4", **fields):
    body = wrap(
        "bookings",
        booked=True,
        start_at=iso(paris(2027, 1, 9, 16)),
        end_at=iso(paris(2027, 1, 9, 18)),
        recurrence={"rrule": rrule},
        **fields,
    )
    return api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")


def local_starts(records):
    return [
        dt.datetime.fromisoformat(r["start_at"]).astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
        for r in records
    ]


def test_a_series_is_created_whole_and_read_back(api, rental):
    response = post_series(api, rental, summary="Yoga", free=True)
    assert response.status_code == 201, response.content
    body = response.json()
    records = body["bookings"]
    assert local_starts(records) == [
        "2027-01-09 16:00",
        "2027-01-16 16:00",
        "2027-01-23 16:00",
        "2027-01-30 16:00",
    ]
    assert body["meta"]["skipped_occurrences"] == []
    series_id = records[0]["links"]["booking_series"]
    assert {r["links"]["booking_series"] for r in records} == {series_id}
    assert {(r["summary"], r["free"], r["final_price"]) for r in records} == {
        ("Yoga", True, "0.00")
    }
    assert response["Location"].endswith(f"/api/v3/booking_series/{series_id}")

    read = api.get(f"/api/v3/booking_series/{series_id}")
    assert read.status_code == 200, read.content
    assert read.json()["booking_series"] == [
        {
            "id": series_id,
            "rrule": "FREQ=WEEKLY;COUNT=4",
            "on_conflict": "fail",
            "created_at": read.json()["booking_series"][0]["created_at"],
            "links": {"rental": rental.pk, "bookings": [r["id"] for r in records]},
        }
    ]


def test_a_series_of_another_account_is_a_404(api, make_api, other_account, rental):
    response = post_series(api, rental)
    series_id = response.json()["bookings"][0]["links"]["booking_series"]
    assert make_api(other_account).get(f"/api/v3/booking_series/{series_id}").status_code == 404


def test_a_public_token_sees_no_series_link(api, make_api, account, rental):
    post_series(api, rental)
    public = make_api(account, scopes="public")
    records = public.get("/api/v3/bookings", {"from": "2027-01-01"}).json()["bookings"]
    assert records and all(r["links"] == {"rental": rental.pk} for r in records)
    assert public.get("/api/v3/booking_series/1").status_code == 403


def test_conflicts_fail_with_one_error_per_occurrence_or_are_skipped(api, rental):
    blocker = make_booking(rental, paris(2027, 1, 16, 17), paris(2027, 1, 16, 19))
    before = (Booking.objects.count(), BookingSeries.objects.count(), Event.objects.count())
    response = post_series(api, rental)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "code": "validation_failed",
            "field": "recurrence",
            "title": f"2027-01-16 16:00: overlaps booking {blocker.reference}",
        }
    ]
    assert (Booking.objects.count(), BookingSeries.objects.count(), Event.objects.count()) == before

    response = post_series(api, rental, on_conflict="skip")
    assert response.status_code == 201, response.content
    assert len(response.json()["bookings"]) == 3
    assert response.json()["meta"]["skipped_occurrences"] == [
        {"start_at": "2027-01-16T15:00:00Z", "conflicts_with": blocker.reference}
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"recurrence": {"rrule": "FREQ=HOURLY;COUNT=2"}}, "recurrence"),
        ({"recurrence": {"rrule": "FREQ=DAILY;COUNT=367"}}, "recurrence"),
        ({"recurrence": {"rrule": "FREQ=DAILY"}}, "recurrence"),
        ({"recurrence": {"rrule": "garbage"}}, "recurrence"),
        ({"on_conflict": "merge"}, "on_conflict"),
        ({"buffer_before": -1}, "buffer_before"),
        ({"buffer_after": 10081}, "buffer_after"),
        ({"free": True, "bookings_fees": [{"name": "Tea", "price": "2"}]}, "bookings_fees"),
        ({"free": True, "initial_price": "10"}, "initial_price"),
        ({"visitors": [123456789]}, "visitors"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(api, rental, fields, field):
    before = (Booking.objects.count(), BookingSeries.objects.count(), Event.objects.count())
    fields = {"recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3"}, **fields}
    body = wrap(
        "bookings",
        booked=True,
        start_at=iso(paris(2027, 1, 9, 16)),
        end_at=iso(paris(2027, 1, 9, 18)),
        **fields,
    )
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 422, response.content
    assert field in {error["field"] for error in response.json()["errors"]}
    assert (Booking.objects.count(), BookingSeries.objects.count(), Event.objects.count()) == before


def _series(api, rental, count=4):
    records = post_series(api, rental, rrule=f"FREQ=WEEKLY;COUNT={count}").json()["bookings"]
    return [r["id"] for r in records]


def test_scope_this_changes_one_occurrence(api, rental):
    ids = _series(api, rental)
    response = api.patch(
        f"/api/v3/bookings/{ids[1]}?scope=this", wrap("bookings", summary="moved"), format="json"
    )
    assert response.status_code == 200, response.content
    summaries = dict(Booking.objects.filter(pk__in=ids).values_list("pk", "summary"))
    assert [summaries[i] for i in ids] == ["", "moved", "", ""]


def test_scope_following_shifts_later_occurrences_by_the_same_wall_clock_delta(api, rental):
    # Weekly on Saturdays across the end of March: 16:00 -> 17:30 local on each.
    body = wrap(
        "bookings",
        booked=True,
        start_at=iso(paris(2027, 3, 13, 16)),
        end_at=iso(paris(2027, 3, 13, 18)),
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"},
    )
    ids = [
        r["id"]
        for r in api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json").json()[
            "bookings"
        ]
    ]
    events_before = Event.objects.filter(event="booking_updated").count()
    response = api.put(
        f"/api/v3/bookings/{ids[1]}?scope=following",
        wrap(
            "bookings",
            start_at=iso(paris(2027, 3, 20, 17, 30)),
            end_at=iso(paris(2027, 3, 20, 19, 30)),
        ),
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [r["id"] for r in response.json()["bookings"]] == ids[1:]
    stored = Booking.objects.filter(pk__in=ids).order_by("start_at")
    assert local_starts([{"start_at": iso(b.start_at)} for b in stored]) == [
        "2027-03-13 16:00",
        "2027-03-20 17:30",
        "2027-03-27 17:30",
        "2027-04-03 17:30",  # after the change to summer time: still 17:30 local
    ]
    assert Event.objects.filter(event="booking_updated").count() == events_before + 3


def test_scope_all_fails_whole_on_any_conflict(api, rental):
    ids = _series(api, rental)
    blocker = make_booking(rental, paris(2027, 1, 30, 20), paris(2027, 1, 30, 21))
    before = list(Booking.objects.filter(pk__in=ids).values_list("start_at", "end_at"))
    response = api.patch(
        f"/api/v3/bookings/{ids[0]}?scope=all",
        wrap("bookings", end_at=iso(paris(2027, 1, 9, 21))),
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["title"] == (
        f"2027-01-30 16:00: overlaps booking {blocker.reference}"
    )
    assert list(Booking.objects.filter(pk__in=ids).values_list("start_at", "end_at")) == before


def test_scope_all_and_following_cancel_together(api, rental):
    ids = _series(api, rental)
    assert api.delete(f"/api/v3/bookings/{ids[2]}?scope=following").status_code == 204
    statuses = dict(Booking.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert [statuses[i] for i in ids] == ["booked", "booked", "canceled", "canceled"]
    events = Event.objects.filter(event="booking_destroyed", resource_id__in=ids)
    assert sorted(events.values_list("resource_id", flat=True)) == sorted(ids[2:])
    assert api.delete(f"/api/v3/bookings/{ids[0]}?scope=all").status_code == 204
    assert set(Booking.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"canceled"}


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_bad_scope_is_a_422_naming_scope(api, rental, method):
    ids = _series(api, rental, count=2)
    response = getattr(api, method)(
        f"/api/v3/bookings/{ids[0]}?scope=everything", wrap("bookings", summary="x"), format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scope"
    assert set(Booking.objects.filter(pk__in=ids).values_list("summary", "status")) == {
        ("", "booked")
    }
