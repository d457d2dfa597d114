"""Overbooked's booking reads (GET /bookings, /bookings/{id}) over the account's bookings."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from bookings.models import Booking
from overbooked.bridge import booking_public_id
from rentals.models import Rental
from tests.overbooked.conftest import BASE
from tests.overbooked.test_resources import UTC_MS, _error


@pytest.fixture
def bookings(resource, now):
    rental = Rental.objects.get(public_id=resource["id"])
    made = {}
    for day, status in enumerate(("booked", "canceled", "unavailable", "tentative"), start=1):
        made[status] = Booking.objects.create(
            account=rental.account, rental=rental, status=status,
            start_at=now + dt.timedelta(days=day), end_at=now + dt.timedelta(days=day, hours=2),
            tentative_expires_at=now - dt.timedelta(minutes=1) if status == "tentative" else None,
        )  # fmt: skip
    return made


def test_a_booking_reads_in_the_reference_shape(public, resource, bookings):
    booking = bookings["booked"]
    response = public.get(f"{BASE}/bookings/{booking_public_id(booking)}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {
        "_object", "id", "resource_id", "slot_id", "metadata", "status", "updated_at",
        "created_at",
    }  # fmt: skip
    assert (data["_object"], data["status"], data["resource_id"]) == (
        "booking",
        "active",
        resource["id"],
    )
    assert data["slot_id"] is None and data["metadata"] == {}
    assert UTC_MS.match(data["created_at"])
    assert uuid.UUID(data["id"]).version == 4


def test_statuses_are_active_or_cancelled_and_an_expired_hold_is_cancelled(secret, bookings):
    def statuses(query=""):
        return sorted(b["status"] for b in secret.get(f"{BASE}/bookings?{query}").json()["data"])

    assert statuses() == ["active", "active", "cancelled", "cancelled"]
    assert statuses("status=cancelled") == ["cancelled", "cancelled"]
    assert statuses("status=active") == ["active", "active"]
    assert _error(secret.get(f"{BASE}/bookings?status=booked")) == (400, "E013")


def test_list_filters_by_resource_and_pages(secret, bookings, resource):
    body = secret.get(f"{BASE}/bookings?resource_id={resource['id']}&limit=3").json()
    assert body["meta"] == {"total": 4, "limit": 3, "page": 1}
    assert secret.get(f"{BASE}/bookings?resource_id={uuid.uuid4()}").json()["data"] == []
    # no booking is on a slot yet
    assert secret.get(f"{BASE}/bookings?slot_id={uuid.uuid4()}").json()["meta"]["total"] == 0
    assert _error(secret.get(f"{BASE}/bookings?slot_id=nope")) == (400, "E013")


def test_not_found_and_other_accounts(secret, other_secret, bookings):
    booking_id = booking_public_id(bookings["booked"])
    assert _error(other_secret.get(f"{BASE}/bookings/{booking_id}")) == (404, "E048")
    assert other_secret.get(f"{BASE}/bookings").json()["meta"]["total"] == 0
    assert _error(secret.get(f"{BASE}/bookings/{uuid.uuid4()}")) == (404, "E048")
    assert _error(secret.get(f"{BASE}/bookings/123")) == (400, "E013")
