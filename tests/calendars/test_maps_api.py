"""GET /api/v3/availabilities and /api/v3/change_overs: shapes, parameters, scoping, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.calendars.conftest import month_start

pytestmark = pytest.mark.django_db


def test_availability_map_of_a_rental(api, rental, make_booking):
    start = month_start(rental) + dt.timedelta(days=40)
    make_booking(rental, start, start + dt.timedelta(days=3))
    make_booking(
        rental, start + dt.timedelta(days=5), start + dt.timedelta(days=6), unavailable=True
    )
    response = api.get(f"/api/v3/availabilities/{rental.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["links"] == {
        "availabilities.rental": "http://testserver/api/v3/rentals/{availabilities.rental}"
    }
    (record,) = body["availabilities"]
    assert record["id"] == rental.pk
    assert record["links"] == {"rental": rental.pk}
    assert record["start_date"] == month_start(rental).isoformat()
    assert len(record["map"]) == 1096
    assert record["map"][38:48] == "0011100300"
    assert record["updated_at"].endswith("Z")


def test_change_over_map_reads_check_in_and_check_out_days(api, rental, make_booking):
    start = month_start(rental) + dt.timedelta(days=40)
    make_booking(rental, start, start + dt.timedelta(days=3))
    response = api.get(f"/api/v3/change_overs/{rental.pk}")
    (record,) = response.json()["change_overs"]
    # nights 40-42 taken: day 40 check-out only (O), 43 check-in only (I)
    assert record["map"][38:45] == "CCOXXIC"


def test_parameters_from_include_tentative_and_boolean(api, rental, make_booking):
    now = dt.datetime.now(dt.UTC)
    start = now.astimezone(rental.tzinfo).date() + dt.timedelta(days=10)
    make_booking(
        rental,
        start,
        start + dt.timedelta(days=2),
        tentative_expires_at=(now + dt.timedelta(days=1)).isoformat(),
    )
    make_booking(
        rental, start + dt.timedelta(days=2), start + dt.timedelta(days=3), unavailable=True
    )
    frm = start.strftime("%Y%m%d")
    (record,) = api.get(f"/api/v3/availabilities/{rental.pk}?from={frm}").json()["availabilities"]
    assert record["start_date"] == start.isoformat()
    assert record["map"][:4] == "2230"
    (record,) = api.get(
        f"/api/v3/availabilities/{rental.pk}?from={frm}&include_tentative=false"
    ).json()["availabilities"]
    assert record["map"][:4] == "0030"
    (record,) = api.get(f"/api/v3/availabilities?from={frm}&boolean=true").json()["availabilities"]
    assert record["map"][:4] == "1110"


def test_an_expired_hold_is_free(api, rental, make_booking):
    from bookings.models import Booking

    now = dt.datetime.now(dt.UTC)
    start = now.astimezone(rental.tzinfo).date() + dt.timedelta(days=10)
    booking = make_booking(
        rental,
        start,
        start + dt.timedelta(days=2),
        tentative_expires_at=(now + dt.timedelta(days=1)).isoformat(),
    )
    Booking.objects.filter(pk=booking.pk).update(tentative_expires_at=now - dt.timedelta(hours=1))
    frm = start.strftime("%Y%m%d")
    (record,) = api.get(f"/api/v3/availabilities/{rental.pk}?from={frm}").json()["availabilities"]
    assert record["map"][:3] == "000"
    (record,) = api.get(f"/api/v3/change_overs/{rental.pk}?from={frm}").json()["change_overs"]
    assert record["map"][:3] == "CCC"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13-01", "from"),
        ("from=nonsense", "from"),
        ("from=21000101", None),
        ("from=22000101", "from"),
        ("include_tentative=maybe", "include_tentative"),
        ("boolean=yes", "boolean"),
    ],
)
def test_bad_parameters_are_422_naming_them(api, rental, query, field):
    response = api.get(f"/api/v3/availabilities?{query}")
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_another_accounts_rental_is_not_found(api, other_account, make_rental):
    foreign = make_rental(other_account)
    assert api.get(f"/api/v3/availabilities/{foreign.pk}").status_code == 404
    assert api.get("/api/v3/availabilities").json()["availabilities"] == []


def test_public_scope_reads_maps(make_api, account, rental):
    public = make_api(account, "public")
    assert public.get("/api/v3/availabilities").status_code == 200
    assert public.get("/api/v3/change_overs/").status_code == 200


@pytest.mark.parametrize("rentals", [2, 6])
def test_a_page_of_maps_costs_the_same_queries_whatever_its_size(
    api, account, make_rental, make_booking, rentals
):
    for index in range(rentals):
        rental = make_rental(account, timezone=["Europe/Paris", "Asia/Tokyo"][index % 2])
        start = month_start(rental) + dt.timedelta(days=20)
        make_booking(rental, start, start + dt.timedelta(days=2))
    api.get("/api/v3/availabilities")  # warm the token and rate-limit paths
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v3/availabilities")
    assert len(response.json()["availabilities"]) == rentals
    booking_queries = [q for q in queries if "bookings_booking" in q["sql"]]
    assert len(booking_queries) == 1
    assert len(queries) <= 6  # token, rate limit, count, page, bookings


def test_the_map_query_reads_times_exactly(rental, make_booking):
    from bookings.models import Booking
    from calendars.occupancy import micros
    from calendars.selectors import EpochMicros

    booking = make_booking(rental, "2031-05-01T15:59:59.123456Z", "2031-05-03T08:00:00Z")
    row = Booking.objects.filter(pk=booking.pk).values(
        start=EpochMicros("start_at"), end=EpochMicros("end_at")
    )[0]
    assert (row["start"], row["end"]) == (micros(booking.start_at), micros(booking.end_at))


def test_an_active_slot_reads_unavailable_and_a_disabled_one_does_not(api, rental):
    from events.actors import Actor
    from slots.services import slot_create, slot_disable

    actor = Actor.system("test")
    day = dt.datetime.combine(month_start(rental), dt.time(), tzinfo=rental.tzinfo)
    # Night 40 (18:00 to 20:00 local) is covered by an active slot; night 45 by a disabled one.
    slot_create(
        rental=rental,
        start_at=day + dt.timedelta(days=40, hours=18),
        end_at=day + dt.timedelta(days=40, hours=20),
        actor=actor,
    )
    disabled = slot_create(
        rental=rental,
        start_at=day + dt.timedelta(days=45, hours=18),
        end_at=day + dt.timedelta(days=45, hours=20),
        actor=actor,
    )
    slot_disable(slot=disabled, actor=actor)
    (record,) = api.get(f"/api/v3/availabilities/{rental.pk}").json()["availabilities"]
    assert record["map"][39:47] == "03000000"
