"""The OfficeRnD-compatible bookings endpoints over HTTP: shapes, reads, writes, scopes."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from core.timefmt import utc_text
from tests.officernd.conftest import moment


@pytest.fixture
def times(now):
    start = (now + dt.timedelta(days=3)).replace(hour=9, minute=0)
    return start, start + dt.timedelta(hours=2)


@pytest.fixture
def body(rental, guest, times):
    start, end = times
    return {
        "start": moment(utc_text(start)),
        "end": moment(utc_text(end)),
        "resourceId": str(rental.pk),
        "member": str(guest.pk),
        "source": "front desk",
    }


def test_create_answers_201_with_an_array_in_the_seed_shape(api, base, body, rental, guest, times):
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    [booking] = response.json()
    start, end = times
    assert booking["start"] == {"dateTime": utc_text(start)}
    assert booking["end"] == {"dateTime": utc_text(end)}
    assert booking["_id"] == booking["id"] == str(Booking.objects.get().pk)
    assert booking["resourceId"] == str(rental.pk)
    assert booking["member"] == str(guest.pk)
    assert booking["timezone"] == "Europe/Paris"
    assert booking["tentative"] is False and booking["canceled"] is False
    assert booking["free"] is False
    assert booking["source"] == "front desk"
    assert booking["serviceSlots"] == {"before": 0, "after": 0}
    assert booking["fees"][0]["date"] == start.astimezone(rental.tzinfo).date().isoformat()
    assert booking["createdBy"] == f"application-{api.application.pk}"
    assert booking["modifiedBy"] == booking["createdBy"]
    assert booking["createdAt"] == booking["modifiedAt"]
    assert Booking.objects.get().status == Booking.Status.BOOKED


def test_numbers_are_accepted_for_ids(api, base, body, rental, guest):
    body.update(resourceId=rental.pk, member=guest.pk)
    assert api.post(f"{base}/bookings", body, format="json").status_code == 201


def test_an_array_creates_every_booking_in_one_go(api, base, body, times):
    start, end = times
    second = {
        **body,
        "start": moment(utc_text(end)),
        "end": moment(utc_text(end + dt.timedelta(hours=1))),
    }
    response = api.post(f"{base}/bookings", [body, second], format="json")
    assert response.status_code == 201
    assert [b["start"]["dateTime"] for b in response.json()] == [utc_text(start), utc_text(end)]


def test_an_array_with_one_bad_booking_creates_nothing_and_names_it(api, base, body):
    clash = dict(body)
    response = api.post(f"{base}/bookings", [body, clash], format="json")
    assert response.status_code == 422
    assert response.json()["status"] == 422
    assert response.json()["message"].startswith("1.start.dateTime: overlaps booking ")
    assert not Booking.objects.exists()


def test_tentative_holds_until_its_start_and_false_confirms(api, base, body, times):
    body["tentative"] = True
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    assert created["tentative"] is True
    row = Booking.objects.get()
    assert row.status == Booking.Status.TENTATIVE
    assert row.tentative_expires_at == times[0]

    response = api.put(f"{base}/bookings/{created['id']}", {"tentative": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tentative"] is False
    assert Booking.objects.get().status == Booking.Status.BOOKED


def test_echoing_a_read_record_back_changes_nothing(api, base, body, make_booking, rental):
    unavailable = make_booking(rental, start_days=10, unavailable=True)
    record = api.get(f"{base}/bookings/{unavailable.pk}").json()
    response = api.put(f"{base}/bookings/{unavailable.pk}", record, format="json")
    assert response.status_code == 200, response.content
    assert Booking.objects.get(pk=unavailable.pk).status == Booking.Status.UNAVAILABLE


def test_put_moves_a_booking_and_the_overlap_rule_is_the_services(
    api, base, body, make_booking, rental, times
):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    other = make_booking(rental, start_days=20)
    response = api.put(
        f"{base}/bookings/{created['id']}",
        {"start": moment(utc_text(other.start_at)), "end": moment(utc_text(other.end_at))},
        format="json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "message": f"start.dateTime: overlaps booking {other.reference}",
        "status": 422,
    }
    later = times[0] + dt.timedelta(days=1)
    response = api.put(
        f"{base}/bookings/{created['id']}",
        {"start": moment(utc_text(later)), "end": moment(utc_text(later + dt.timedelta(hours=1)))},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["start"]["dateTime"] == utc_text(later)
    assert response.json()["modifiedBy"] == response.json()["createdBy"]  # the same application


def test_delete_cancels_and_the_booking_then_reads_canceled(api, base, body):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    response = api.delete(f"{base}/bookings/{created['id']}")
    assert response.status_code == 204 and not response.content
    assert api.get(f"{base}/bookings/{created['id']}").json()["canceled"] is True
    assert Booking.objects.get().status == Booking.Status.CANCELED
    # The period is free again at once.
    assert api.post(f"{base}/bookings", body, format="json").status_code == 201


def test_a_canceled_booking_cannot_be_updated(api, base, body):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    api.delete(f"{base}/bookings/{created['id']}")
    response = api.put(f"{base}/bookings/{created['id']}", {"source": "x"}, format="json")
    assert response.json() == {
        "message": "canceled: a canceled booking cannot be updated",
        "status": 422,
    }


def test_a_tentative_booking_in_the_past_is_refused_on_tentative(api, base, body, now):
    past = now - dt.timedelta(days=2)
    body.update(
        start=moment(utc_text(past)),
        end=moment(utc_text(past + dt.timedelta(hours=1))),
        tentative=True,
    )
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.json() == {"message": "tentative: must be in the future", "status": 422}


def test_list_pages_with_a_cursor_in_a_header(api, base, make_booking, rental):
    for day in range(3):
        make_booking(rental, start_days=day * 3 + 1)
    first = api.get(f"{base}/bookings", {"$limit": 2})
    assert len(first.json()) == 2
    cursor = first["X-Cursor-Next"]
    rest = api.get(f"{base}/bookings", {"$limit": 2, "$cursorNext": cursor})
    assert len(rest.json()) == 1 and "X-Cursor-Next" not in rest
    ids = [b["id"] for b in first.json() + rest.json()]
    assert ids == [str(b.pk) for b in Booking.objects.order_by("start_at")]


def test_list_filters_by_resource_and_window(api, base, make_booking, make_rental, account, rental):
    other_rental = make_rental(account)
    near = make_booking(rental, start_days=1)
    make_booking(other_rental, start_days=1)
    make_booking(rental, start_days=30)
    response = api.get(
        f"{base}/bookings",
        {"resourceId": str(rental.pk), "end": utc_text(near.end_at + dt.timedelta(days=1))},
    )
    assert [b["id"] for b in response.json()] == [str(near.pk)]


def test_occurrences_lists_live_bookings_in_the_window(api, base, make_booking, rental, now):
    inside = make_booking(rental, start_days=2)
    make_booking(rental, start_days=40)
    canceled = make_booking(rental, start_days=5)
    api.delete(f"{base}/bookings/{canceled.pk}")
    response = api.get(
        f"{base}/bookings/occurrences",
        {"start": utc_text(now), "end": utc_text(now + dt.timedelta(days=10))},
    )
    assert response.status_code == 200
    assert [b["id"] for b in response.json()] == [str(inside.pk)]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2027-01-01"}, "end: is required"),
        ({"start": "2027-01-01", "end": "2028-01-03"}, "end: the window may be at most 366 days"),
        ({"start": "2027-01-02", "end": "2027-01-01"}, "end: must be after start"),
        ({"start": "yesterday", "end": "2027-01-01"}, "start: is not a time"),
    ],
)
def test_occurrences_refuses_a_bad_window_naming_the_parameter(api, base, params, message):
    response = api.get(f"{base}/bookings/occurrences", params)
    assert response.status_code == 422
    assert response.json()["message"].startswith(message)


def test_occurrences_page_with_limit_and_refuse_too_many_unpaged(
    api, base, make_booking, rental, now, monkeypatch
):
    for day in range(3):
        make_booking(rental, start_days=day * 3 + 1)
    window = {"start": utc_text(now), "end": utc_text(now + dt.timedelta(days=30))}
    first = api.get(f"{base}/bookings/occurrences", {**window, "$limit": 2})
    assert len(first.json()) == 2
    rest = api.get(
        f"{base}/bookings/occurrences",
        {**window, "$limit": 2, "$cursorNext": first["X-Cursor-Next"]},
    )
    assert len(rest.json()) == 1 and "X-Cursor-Next" not in rest

    monkeypatch.setattr("officernd.api.views.MAX_UNPAGED", 2)
    response = api.get(f"{base}/bookings/occurrences", window)
    assert response.status_code == 422
    assert "more than 2 occurrences in the window" in response.json()["message"]


def test_a_window_of_exactly_366_days_is_allowed(api, base):
    response = api.get(f"{base}/bookings/occurrences", {"start": "2027-01-01", "end": "2028-01-02"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"$limit": "0"}, "$limit"),
        ({"$limit": "51"}, "$limit"),
        ({"resourceId": "a"}, "resourceId"),
        ({"canceled": "maybe"}, "canceled"),
        ({"resourceId": "¹"}, "resourceId"),
        ({"$limit": "٣"}, "$limit"),
        ({"$cursorNext": "-1"}, "$cursorNext"),
    ],
)
def test_list_parameters_are_bounded(api, base, params, name):
    response = api.get(f"{base}/bookings", params)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{name}:")


# --- validation of OfficeRnD's fields -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": None}, "start.dateTime: is required"),
        ({"start": {"dateTime": "soon"}}, "start.dateTime: 'soon' is not a date or time"),
        ({"start": {"dateTime": "2027-01-01"}}, "start.dateTime: must be a date-time"),
        ({"resourceId": "abc"}, "resourceId: must be an id"),
        ({"resourceId": "999999"}, "resourceId: no such resource"),
        ({"member": None}, "member: member or team is required"),
        ({"member": "999999"}, "member: no such client"),
        ({"tentative": "yes"}, "tentative: must be true or false"),
        ({"free": 1}, "free: must be true or false"),
        ({"summary": "x" * 256}, "summary: is too long (maximum is 255 characters)"),
        ({"description": "x" * 6001}, "description: is too long (maximum is 6000 characters)"),
        ({"serviceSlots": {"before": -1}}, "serviceSlots.before: must be from 0 to 10080"),
        ({"serviceSlots": {"after": 10081}}, "serviceSlots.after: must be from 0 to 10080"),
        ({"serviceSlots": {"after": "5"}}, "serviceSlots.after: must be a number of minutes"),
        ({"visitors": ["999999"]}, "visitors: no such client: 999999"),
        ({"members": list(range(1, 102))}, "members: must have at most 100 items"),
        ({"recurrence": {"rrule": "FREQ=HOURLY;COUNT=2"}}, "recurrence.rrule: FREQ=HOURLY"),
        ({"recurrence": {"rrule": "FREQ=DAILY"}}, "recurrence.rrule: COUNT or UNTIL is required"),
        ({"recurrence": {"rrule": "FREQ=DAILY;COUNT=367"}}, "recurrence.rrule: COUNT must be"),
        ({"recurrence": "FREQ=DAILY"}, "recurrence.rrule: is required"),
        ({"on_conflict": "merge"}, "on_conflict: must be fail or skip"),
        ({"source": "x" * 101}, "source: is too long"),
    ],
)
def test_a_bad_field_is_a_422_naming_it_and_nothing_is_written(api, base, body, change, message):
    body.update(change)
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["status"] == 422
    assert message in response.json()["message"], response.json()
    assert not Booking.objects.exists()


def test_end_before_start_is_refused(api, base, body):
    body["end"], body["start"] = body["start"], body["end"]
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.json()["message"] == "end.dateTime: must be after start.dateTime"


def test_fields_the_model_does_not_store_yet_are_accepted_when_valid(api, base, body, guest):
    body.update(
        summary="Board meeting",
        description="Quarterly",
        free=True,
        visitors=[guest.pk],
        members=[str(guest.pk)],
        team=str(guest.pk),
        serviceSlots={"before": 15, "after": 30},
    )
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.status_code == 201, response.content


def test_read_only_and_unknown_fields_are_ignored(api, base, body):
    body.update(canceled=True, timezone="Asia/Tokyo", fees=[{"x": 1}], createdBy="me", foo=1)
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.status_code == 201
    assert response.json()[0]["canceled"] is False
    assert response.json()[0]["timezone"] == "Europe/Paris"


def test_a_booking_cannot_move_to_another_resource(api, base, body, make_rental, account):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    other = make_rental(account)
    response = api.put(f"{base}/bookings/{created['id']}", {"resourceId": other.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["message"].startswith("resourceId:")


def test_recurrence_is_refused_on_update(api, base, body):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    response = api.put(
        f"{base}/bookings/{created['id']}",
        {"recurrence": {"rrule": "FREQ=DAILY;COUNT=2"}},
        format="json",
    )
    assert response.json()["message"] == "recurrence: can be given only when creating a booking"


@pytest.mark.parametrize(
    ("data", "status"),
    [("[]", 422), ("not json", 400), ("[" * 5 + "]" * 5, 422), ('"text"', 422)],
)
def test_malformed_bodies_get_the_error_shape(api, base, data, status):
    response = api.generic("POST", f"{base}/bookings", data, content_type="application/json")
    assert response.status_code == status
    assert response.json()["status"] == status and response.json()["message"]


def test_more_than_100_bookings_in_one_post_is_refused(api, base, body):
    response = api.post(f"{base}/bookings", [body] * 101, format="json")
    assert response.json() == {"message": "at most 100 bookings per request", "status": 422}


def test_service_slots_are_the_bookings_buffers(api, base, body, rental):
    rental.buffer_after = 30
    rental.save()
    response = api.post(f"{base}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert created["serviceSlots"] == {"before": 0, "after": 30}  # the resource's
    path = f"{base}/bookings/{created['id']}"
    response = api.put(path, {"serviceSlots": {"before": 15, "after": 45}}, format="json")
    assert response.status_code == 200, response.content
    booking = Booking.objects.get(pk=created["id"])
    assert (booking.buffer_before, booking.buffer_after) == (15, 45)
    assert api.get(path).json()["serviceSlots"] == {"before": 15, "after": 45}
