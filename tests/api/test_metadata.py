"""Metadata in the v3 booking and client records (DESIGN §10): returned, merged on update,
bounded by core/metadata.py's rules (422 naming `metadata`, nothing written)."""

from __future__ import annotations

from bookings.models import Booking, Client
from tests.api.conftest import wrap


def test_booking_metadata_is_stored_merged_and_returned(api, rental, make_booking, now):
    booking = make_booking(rental, start_days=3, metadata={"order": "A-1", "vip": True})
    path = f"/api/v3/bookings/{booking.pk}"
    assert api.get(path).json()["bookings"][0]["metadata"] == {"order": "A-1", "vip": True}
    response = api.patch(path, wrap("bookings", metadata={"vip": None, "n": 2}), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["bookings"][0]["metadata"] == {"order": "A-1", "n": 2}
    for bad in ({"k": [1]}, {"k" * 101: 1}, "text"):
        response = api.patch(path, wrap("bookings", metadata=bad), format="json")
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "metadata"
    booking.refresh_from_db()
    assert booking.metadata == {"order": "A-1", "n": 2}


def test_client_metadata_is_stored_merged_and_returned(api, account):
    response = api.post(
        "/api/v3/clients", wrap("clients", fullname="Ada", metadata={"crm": "42"}), format="json"
    )
    assert response.status_code == 201, response.content
    record = response.json()["clients"][0]
    assert record["metadata"] == {"crm": "42"}
    path = f"/api/v3/clients/{record['id']}"
    response = api.put(path, wrap("clients", metadata={"tier": "gold"}), format="json")
    assert response.json()["clients"][0]["metadata"] == {"crm": "42", "tier": "gold"}
    response = api.put(path, wrap("clients", metadata={"bad": {"x": 1}}), format="json")
    assert response.status_code == 422
    assert Client.objects.get(pk=record["id"]).metadata == {"crm": "42", "tier": "gold"}
    assert not Booking.objects.exists()
