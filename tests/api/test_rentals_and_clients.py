"""Rentals and clients resources: create, show, update, delete, validation."""

from __future__ import annotations

from bookings.models import Client
from rentals.models import Rental
from tests.api.conftest import wrap


def test_rental_create_show_update_delete(api, account):
    response = api.post(
        "/api/v3/rentals",
        wrap(
            "rentals",
            name="Loft",
            timezone="America/New_York",
            checkin_time="15:00",
            currency="usd",
            sleeps=4,
            id=5,
            account_id=999,
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    record = response.json()["rentals"][0]
    assert response["Location"].endswith(f"/api/v3/rentals/{record['id']}")
    assert record["checkin_time"] == "15:00" and record["checkout_time"] == "10:00"
    assert record["currency"] == "USD"
    assert Rental.objects.get(pk=record["id"]).account_id == account.pk

    path = f"/api/v3/rentals/{record['id']}"
    assert api.get(path).json()["rentals"][0]["name"] == "Loft"
    response = api.patch(path, wrap("rentals", city="Brooklyn"), format="json")
    assert response.json()["rentals"][0]["city"] == "Brooklyn"
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_rental_fields_are_validated_by_name(api, db):
    response = api.post(
        "/api/v3/rentals",
        wrap("rentals", timezone="Mars/Olympus", checkin_time="25:99", sleeps=-1, currency="XXX"),
        format="json",
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"name", "timezone", "checkin_time", "sleeps", "currency"}


def test_a_rental_with_bookings_cannot_be_deleted(api, rental, make_booking):
    make_booking(rental)
    response = api.delete(f"/api/v3/rentals/{rental.pk}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["title"] == "a rental with bookings cannot be deleted"
    assert Rental.objects.filter(pk=rental.pk).exists()


def test_client_create_show_update(api, account):
    response = api.post(
        "/api/v3/clients",
        wrap("clients", fullname="Grace Hopper", emails=["grace@example.com"], phones="+1 555"),
        format="json",
    )
    assert response.status_code == 201, response.content
    record = response.json()["clients"][0]
    assert record["emails"] == ["grace@example.com"] and record["phones"] == ["+1 555"]
    assert Client.objects.get(pk=record["id"]).account_id == account.pk
    path = f"/api/v3/clients/{record['id']}"
    response = api.put(path, wrap("clients", firstname="Grace"), format="json")
    assert response.json()["clients"][0]["firstname"] == "Grace"
    assert response.json()["clients"][0]["fullname"] == "Grace Hopper"


def test_client_needs_a_fullname_and_has_no_delete(api, guest):
    response = api.post("/api/v3/clients", wrap("clients", emails=[1]), format="json")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"emails"}
    response = api.post("/api/v3/clients", wrap("clients", firstname="A"), format="json")
    assert {e["field"] for e in response.json()["errors"]} == {"fullname"}
    assert api.delete(f"/api/v3/clients/{guest.pk}").status_code == 405
