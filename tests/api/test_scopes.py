"""Scopes (DESIGN §4): restricted visibility and field set, owned and locked bookings."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings import services
from bookings.api.serializers import RESTRICTED_FIELDS
from tests.api.conftest import iso, wrap


@pytest.fixture
def spread(rental, make_booking, now):
    past = make_booking(rental, start_days=-10, created_at=now - dt.timedelta(days=20))
    future = make_booking(rental, start_days=5, adults=2, notes="secret")
    canceled = make_booking(rental, start_days=15)
    services.booking_cancel(booking=canceled)
    return {"past": past, "future": future, "canceled": canceled}


@pytest.mark.parametrize("token_scopes", ["public", "public bookings_write_owned"])
def test_public_and_write_owned_see_only_future_live_bookings_restricted(
    make_api, account, spread, rental, token_scopes
):
    api = make_api(account, token_scopes)
    records = api.get("/api/v3/bookings").json()["bookings"]
    assert [record["id"] for record in records] == [spread["future"].pk]
    assert set(records[0]) == {*RESTRICTED_FIELDS, "links"}
    assert records[0]["links"] == {"rental": rental.pk}
    for hidden in ("past", "canceled"):
        assert api.get(f"/api/v3/bookings/{spread[hidden].pk}").status_code == 404
    updated = api.get("/api/v3/bookings", {"updated_since": "2000-01-01"}).json()
    assert [record["id"] for record in updated["bookings"]] == [spread["future"].pk]
    assert updated["meta"]["deleted_ids"] == [spread["canceled"].pk]


@pytest.mark.parametrize("token_scopes", ["bookings_read", "bookings_write"])
def test_read_and_write_scopes_see_every_booking_and_field(make_api, account, spread, token_scopes):
    api = make_api(account, token_scopes)
    records = api.get("/api/v3/bookings", {"from": "2000-01-01", "include_canceled": "true"})
    found = {record["id"]: record for record in records.json()["bookings"]}
    assert set(found) == {booking.pk for booking in spread.values()}
    assert found[spread["future"].pk]["notes"] == "secret"


def test_public_may_not_write(make_api, account, rental, spread, now):
    api = make_api(account, "public bookings_read")
    start = now + dt.timedelta(days=50)
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap("bookings", booked=True, start_at=iso(start), end_at=iso(start + dt.timedelta(1))),
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["errors"] == [
        {
            "code": "forbidden",
            "title": "requires scope bookings_write or bookings_write_owned",
        }
    ]
    for method in ("patch", "put", "delete"):
        response = getattr(api, method)(
            f"/api/v3/bookings/{spread['future'].pk}", wrap("bookings", adults=1), format="json"
        )
        assert response.status_code == 403, method


def test_write_owned_creates_a_booking_locked_to_its_application(make_api, account, rental, now):
    owner = make_api(account, "bookings_write_owned")
    start = now + dt.timedelta(days=3)
    response = owner.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap(
            "bookings",
            booked=True,
            adults=2,
            start_at=iso(start),
            end_at=iso(start + dt.timedelta(days=2)),
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    record = response.json()["bookings"][0]
    assert record["owned_by_app"] is True
    assert record["locked"] == f"application-{owner.application.pk}"
    assert record["adults"] == 2  # its own booking: every field
    own = owner.get(f"/api/v3/bookings/{record['id']}").json()["bookings"][0]
    assert own["adults"] == 2

    reader = make_api(account, "bookings_read")
    seen = reader.get(f"/api/v3/bookings/{record['id']}").json()["bookings"][0]
    assert seen["owned_by_app"] is False
    assert seen["locked"] == f"application-{owner.application.pk}"

    other_owned = make_api(account, "bookings_write_owned")
    restricted = other_owned.get(f"/api/v3/bookings/{record['id']}").json()["bookings"][0]
    assert set(restricted) == {*RESTRICTED_FIELDS, "links"}


def test_write_owned_may_change_and_cancel_its_own_bookings_only(
    make_api, account, rental, make_booking
):
    owner = make_api(account, "bookings_write_owned")
    own = make_booking(
        rental, start_days=2, application_id=owner.application.pk, lock_to_application=True
    )
    others = make_booking(rental, start_days=20)
    response = owner.patch(f"/api/v3/bookings/{own.pk}", wrap("bookings", adults=3), format="json")
    assert response.status_code == 200
    response = owner.patch(
        f"/api/v3/bookings/{others.pk}", wrap("bookings", adults=3), format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["title"] == "requires scope bookings_write"
    assert owner.delete(f"/api/v3/bookings/{others.pk}").status_code == 403
    assert owner.delete(f"/api/v3/bookings/{own.pk}").status_code == 204


def test_other_applications_may_change_only_three_fields_of_a_locked_booking(
    make_api, account, rental, make_booking
):
    owner = make_api(account, "bookings_write_owned")
    locked = make_booking(
        rental,
        start_days=2,
        initial_price="500",
        application_id=owner.application.pk,
        lock_to_application=True,
    )
    writer = make_api(account, "bookings_write")
    allowed = wrap(
        "bookings",
        expected_checkin_time="15:30",
        expected_checkout_time="9",
        rental_payback_to_owner="100",
    )
    response = writer.patch(f"/api/v3/bookings/{locked.pk}", allowed, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["bookings"][0]["expected_checkout_time"] == "09:00"

    response = writer.patch(
        f"/api/v3/bookings/{locked.pk}", wrap("bookings", adults=9), format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "adults"
    assert writer.delete(f"/api/v3/bookings/{locked.pk}").status_code == 403
    response = writer.patch(
        f"/api/v3/bookings/{locked.pk}/add_bookings_fee",
        wrap("bookings_fees", name="X", price="1"),
        format="json",
    )
    assert response.status_code == 403


def test_fee_tax_and_comment_lists_need_a_full_booking_scope(make_api, account, db):
    api = make_api(account, "public bookings_write_owned")
    for path in ("/api/v3/bookings_fees", "/api/v3/bookings_taxes", "/api/v3/booking_comments"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["title"] == (
            "requires scope bookings_read or bookings_write"
        )


@pytest.mark.parametrize(
    ("token_scopes", "path", "read", "write"),
    [
        ("public", "/api/v3/rentals", 403, 403),
        ("rentals_read", "/api/v3/rentals", 200, 403),
        ("rentals_write", "/api/v3/rentals", 200, 201),
        ("public", "/api/v3/clients", 403, 403),
        ("clients_read", "/api/v3/clients", 200, 403),
        ("clients_write", "/api/v3/clients", 200, 201),
    ],
)
def test_rental_and_client_scopes(make_api, account, token_scopes, path, read, write):
    api = make_api(account, token_scopes)
    assert api.get(path).status_code == read
    key = path.rsplit("/", 1)[1]
    body = wrap(key, name="Flat", fullname="Grace Hopper")
    assert api.post(path, body, format="json").status_code == write
