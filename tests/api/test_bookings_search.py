"""`GET /api/v3/bookings` search parameters, alone and combined (DESIGN §4 "Search")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from tests.api.conftest import iso


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [record["id"] for record in response.json()["bookings"]]


@pytest.fixture
def calendar(rental, make_rental, account, guest, make_booking, now):
    """past, current, soon, later (other rental, client), unavailable, tentative, canceled."""
    other = make_rental(account, name="Mountain Hut")
    b = {
        "past": make_booking(rental, start_days=-10, nights=2, created_at=now - dt.timedelta(30)),
        "current": make_booking(rental, start_days=-1, nights=2, created_at=now - dt.timedelta(9)),
        "soon": make_booking(rental, start_days=5, client_id=guest.pk, external_reference="AB-1"),
        "later": make_booking(other, start_days=40, external_reference="AB-2"),
        "unavailable": make_booking(rental, start_days=20, unavailable=True),
        "tentative": make_booking(
            rental, start_days=30, tentative_expires_at=iso(now + dt.timedelta(days=1))
        ),
        "canceled": make_booking(rental, start_days=60),
    }
    services.booking_cancel(booking=b["canceled"], reason="requested_by_guest")
    b["other_rental"] = other
    return b


def test_default_is_bookings_not_over_and_not_canceled_ordered_by_start(api, calendar):
    c = calendar
    expected = ["current", "soon", "unavailable", "tentative", "later"]
    assert ids(api.get("/api/v3/bookings")) == [c[name].pk for name in expected]


def test_from_takes_bookings_ending_after_it(api, calendar, now):
    since = iso(now - dt.timedelta(days=9))
    assert calendar["past"].pk in ids(api.get("/api/v3/bookings", {"from": since}))
    assert calendar["past"].pk not in ids(api.get("/api/v3/bookings"))


def test_a_stay_longer_than_all_others_still_counts_as_not_over(
    api, calendar, make_rental, account, make_booking, now
):
    # ending_after bounds start_at by the longest stay stored: the long one must widen it.
    long_let = make_booking(make_rental(account), start_days=-700, nights=760)
    found = ids(api.get("/api/v3/bookings"))
    assert found[0] == long_let.pk
    assert calendar["past"].pk not in found
    since = iso(now - dt.timedelta(days=9))
    assert ids(api.get("/api/v3/bookings", {"from": since}))[:2] == [
        long_let.pk,
        calendar["past"].pk,
    ]


def test_until_takes_bookings_starting_before_it(api, calendar, now):
    found = ids(api.get("/api/v3/bookings", {"until": iso(now + dt.timedelta(days=10))}))
    assert found == [calendar["current"].pk, calendar["soon"].pk]


def test_months_counts_from_from(api, calendar, now):
    found = ids(api.get("/api/v3/bookings", {"months": 1}))
    assert calendar["later"].pk not in found
    assert calendar["tentative"].pk in found
    start = (now - dt.timedelta(days=11)).strftime("%Y-%m-%d")
    found = ids(api.get("/api/v3/bookings", {"from": start, "months": 1}))
    assert calendar["past"].pk in found and calendar["tentative"].pk not in found


def test_status_filters_by_lower_case_comma_list(api, calendar):
    found = ids(api.get("/api/v3/bookings", {"status": "unavailable,tentative"}))
    assert found == [calendar["unavailable"].pk, calendar["tentative"].pk]


def test_include_canceled_adds_canceled_bookings(api, calendar):
    assert calendar["canceled"].pk in ids(api.get("/api/v3/bookings", {"include_canceled": "true"}))
    assert calendar["canceled"].pk not in ids(
        api.get("/api/v3/bookings", {"include_canceled": "false"})
    )


def test_status_and_include_canceled_combine(api, calendar):
    found = ids(api.get("/api/v3/bookings", {"status": "booked", "include_canceled": "1"}))
    assert found == [
        calendar["current"].pk,
        calendar["soon"].pk,
        calendar["later"].pk,
        calendar["canceled"].pk,
    ]


def test_include_canceled_needs_a_read_or_write_scope(make_api, account, calendar):
    api = make_api(account, "public bookings_write_owned")
    response = api.get("/api/v3/bookings", {"include_canceled": "true"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["title"] == "requires scope bookings_read or bookings_write"


def test_rental_id_and_client_id_take_comma_lists(api, calendar, guest, rental):
    other = calendar["other_rental"]
    assert ids(api.get("/api/v3/bookings", {"rental_id": str(other.pk)})) == [calendar["later"].pk]
    assert len(ids(api.get("/api/v3/bookings", {"rental_id": f"{rental.pk},{other.pk}"}))) == 5
    assert ids(api.get("/api/v3/bookings", {"client_id": str(guest.pk)})) == [calendar["soon"].pk]


def test_reference_and_external_reference_take_comma_lists(api, calendar):
    soon, later = calendar["soon"], calendar["later"]
    found = ids(api.get("/api/v3/bookings", {"reference": f"{soon.reference},{later.reference}"}))
    assert found == [soon.pk, later.pk]
    assert ids(api.get("/api/v3/bookings", {"external_reference": "AB-2"})) == [later.pk]


def test_filters_combine_with_and(api, calendar, rental, now):
    params = {
        "rental_id": str(rental.pk),
        "status": "booked,unavailable",
        "until": iso(now + dt.timedelta(days=25)),
    }
    found = ids(api.get("/api/v3/bookings", params))
    assert found == [calendar["current"].pk, calendar["soon"].pk, calendar["unavailable"].pk]


@pytest.mark.parametrize(
    "value",
    ["2031-02-03T04:05:06Z", "2031-02-03T05:05:06+01:00", "2031-02-03 04:05:06 UTC"],
)
def test_time_parameters_accept_every_documented_format(api, rental, make_booking, value):
    booking = make_booking(rental, start_at="2031-02-03T04:00:00Z", end_at="2031-02-03T04:05:07Z")
    assert ids(api.get("/api/v3/bookings", {"from": value})) == [booking.pk]


@pytest.mark.parametrize("value", ["2031-02-03", "20310203"])
def test_a_bare_date_parameter_means_midnight_utc(api, rental, make_booking, value):
    booking = make_booking(rental, start_at="2031-02-02T10:00:00Z", end_at="2031-02-03T00:00:01Z")
    assert ids(api.get("/api/v3/bookings", {"from": value})) == [booking.pk]


@pytest.mark.parametrize("name", ["from", "until", "updated_since"])
def test_an_unparseable_time_is_a_422_naming_the_parameter(api, db, name):
    response = api.get("/api/v3/bookings", {name: "yesterday-ish"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "validation_failed"
    assert error["field"] == name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("months", "many"),
        ("months", "-1"),
        ("status", "booked,lost"),
        ("include_canceled", "perhaps"),
        ("rental_id", "1,x"),
        ("client_id", "99999999999999999999999"),
        ("page", "0"),
        ("per_page", "ten"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(api, db, name, value):
    response = api.get("/api/v3/bookings", {name: value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == name


def test_updated_since_returns_every_status_by_update_with_deleted_ids(
    api, rental, make_booking, now
):
    old = make_booking(rental, start_days=3, created_at=now - dt.timedelta(days=5))
    since = timezone.now() - dt.timedelta(seconds=1)
    changed = make_booking(rental, start_days=10)
    gone = make_booking(rental, start_days=20)
    services.booking_cancel(booking=gone)
    response = api.get("/api/v3/bookings", {"updated_since": iso(since)})
    assert ids(response) == [changed.pk, gone.pk]
    assert old.pk not in ids(response)
    assert response.json()["meta"]["deleted_ids"] == [gone.pk]
    assert [r["status"] for r in response.json()["bookings"]] == ["Booked", "Canceled"]


def test_updated_since_lists_expired_holds_awaiting_the_sweep_as_deleted(
    api, rental, make_booking, now
):
    hold = make_booking(rental, tentative_expires_at=iso(now + dt.timedelta(minutes=5)))
    since = timezone.now() - dt.timedelta(minutes=2)
    Booking.objects.filter(pk=hold.pk).update(
        tentative_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = api.get("/api/v3/bookings", {"updated_since": iso(since)})
    assert response.json()["meta"]["deleted_ids"] == [hold.pk]


def test_updated_since_includes_past_bookings(api, rental, make_booking, now):
    past = make_booking(rental, start_days=-10)
    response = api.get("/api/v3/bookings", {"updated_since": iso(now - dt.timedelta(hours=1))})
    assert ids(response) == [past.pk]


def test_list_gives_the_server_time_to_sync_from_next(api, db):
    before = timezone.now().replace(microsecond=0)
    response = api.get("/api/v3/bookings", {"updated_since": "2020-01-01"})
    synced_at = dt.datetime.strptime(
        response["X-Updated-Since-Request-Synced-At"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=dt.UTC)
    assert before <= synced_at <= timezone.now()


def test_a_sync_loop_with_the_header_misses_no_change(api, rental, make_booking):
    first = api.get("/api/v3/bookings", {"updated_since": "2020-01-01"})
    synced_at = first["X-Updated-Since-Request-Synced-At"]
    booking = make_booking(rental, start_days=4)
    second = api.get("/api/v3/bookings", {"updated_since": synced_at})
    assert booking.pk in ids(second)
