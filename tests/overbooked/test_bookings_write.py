"""Overbooked's booking writes (DESIGN §10): booking a slot, cancel, enable, reschedule,
PATCH metadata, DELETE; each through the booking services, with the reference's codes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from bookings.models import Booking
from tests.overbooked.conftest import BASE
from tests.overbooked.test_resources import _error


@pytest.fixture
def slot_of(secret, resource, now):
    def make(hours_ahead: int = 48, capacity: int = 1, **fields) -> dict:
        start = (now + dt.timedelta(hours=hours_ahead)).replace(minute=0, second=0, microsecond=0)
        body = {
            "resource_id": resource["id"],
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(hours=1)).isoformat(),
            "capacity": capacity,
            **fields,
        }
        response = secret.post(f"{BASE}/slots", body, format="json")
        assert response.status_code == 200, response.content
        data = response.json()["data"]
        return data[0] if isinstance(data, list) else data

    return make


def _book(client, slot, **fields):
    return client.post(f"{BASE}/bookings", {"slot_id": slot["id"], **fields}, format="json")


def test_booking_a_slot_up_to_its_capacity_then_e049(public, slot_of):
    slot = slot_of(capacity=2)
    first = _book(public, slot, metadata={"order": "A-1"})
    assert first.status_code == 200, first.content
    data = first.json()["data"]
    assert data["_object"] == "booking" and data["status"] == "active"
    assert data["slot_id"] == slot["id"] and data["metadata"] == {"order": "A-1"}
    booking = Booking.objects.get(public_id=data["id"])
    assert (booking.start_at.isoformat(), booking.slot.public_id) == (
        booking.slot.start_at.isoformat(),
        uuid.UUID(slot["id"]),
    )
    assert _book(public, slot).status_code == 200  # two bookings share the slot
    assert _error(_book(public, slot)) == (422, "E049")
    assert Booking.objects.count() == 2


def test_slot_errors_have_the_reference_codes(secret, public, slot_of, resource, now):
    assert _error(_book(public, {"id": str(uuid.uuid4())})) == (404, "E025")
    assert _error(_book(public, {"id": "nope"})) == (400, "E013")
    disabled = slot_of(hours_ahead=50)
    secret.post(f"{BASE}/slots/{disabled['id']}/disable")
    assert _error(_book(public, disabled)) == (422, "E051")
    locked = slot_of(hours_ahead=52)
    until = (now + dt.timedelta(hours=1)).isoformat()
    lock = {"lock_until": until, "lock_key": "k-1"}
    assert secret.post(f"{BASE}/slots/{locked['id']}/lock", lock, format="json").status_code == 200
    assert _error(_book(public, locked)) == (422, "E050")
    assert _error(_book(public, locked, lock_key="wrong")) == (422, "E050")
    assert _book(public, locked, lock_key="k-1").status_code == 200
    bad_meta = slot_of(hours_ahead=54)
    assert _error(_book(public, bad_meta, metadata={"k": {"nested": 1}})) == (422, "E043")
    assert _error(_book(public, bad_meta, metadata={"k" * 101: "v"})) == (422, "E042")
    secret.post(f"{BASE}/resources/{resource['id']}/convert-draft")
    assert _error(_book(public, bad_meta)) == (422, "E061")
    assert Booking.objects.count() == 1


def test_cancel_enable_reschedule_patch_delete(secret, public, slot_of):
    slot, other = slot_of(capacity=1), slot_of(hours_ahead=60, capacity=1)
    booking_id = _book(public, slot).json()["data"]["id"]
    path = f"{BASE}/bookings/{booking_id}"
    cancelled = public.post(f"{path}/cancel")
    assert cancelled.json()["data"]["status"] == "cancelled"
    taker = _book(public, slot)  # the cancelation freed the place
    assert taker.status_code == 200
    assert _error(public.post(f"{path}/enable")) == (422, "E049")  # full again
    public.post(f"{BASE}/bookings/{taker.json()['data']['id']}/cancel")
    assert public.post(f"{path}/enable").json()["data"]["status"] == "active"

    moved = public.post(f"{path}/reschedule", {"target_slot_id": other["id"]}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["data"]["slot_id"] == other["id"]
    assert _book(public, slot).status_code == 200  # its old place is free
    assert _error(
        public.post(f"{path}/reschedule", {"target_slot_id": slot["id"]}, format="json")
    ) == (422, "E049")

    patched = public.patch(path, {"metadata": {"a": "1", "b": 2}}, format="json")
    assert patched.json()["data"]["metadata"] == {"a": "1", "b": 2}
    patched = public.patch(path, {"metadata": {"a": None, "c": True}}, format="json")
    assert patched.json()["data"]["metadata"] == {"b": 2, "c": True}

    assert _error(public.delete(path)) == (401, "E015")
    deleted = secret.delete(path)
    assert deleted.status_code == 200 and deleted.json()["data"] == {}
    assert _error(public.get(path)) == (404, "E048")
    assert not Booking.objects.filter(public_id=booking_id).exists()


def test_another_accounts_booking_is_e048(other_secret, public, slot_of):
    booking_id = _book(public, slot_of()).json()["data"]["id"]
    for response in (
        other_secret.post(f"{BASE}/bookings/{booking_id}/cancel"),
        other_secret.patch(f"{BASE}/bookings/{booking_id}", {"metadata": {}}, format="json"),
        other_secret.delete(f"{BASE}/bookings/{booking_id}"),
    ):
        assert _error(response) == (404, "E048")
    assert Booking.objects.get(public_id=booking_id).status == "booked"


def test_a_retried_booking_with_the_same_idempotency_key_is_made_once(public, slot_of):
    slot = slot_of(capacity=3)
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-A-17"}
    body = {"slot_id": slot["id"], "metadata": {"order": "A-17"}}
    first = public.post(f"{BASE}/bookings", body, format="json", **headers)
    again = public.post(f"{BASE}/bookings", body, format="json", **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Booking.objects.filter(slot__public_id=slot["id"]).count() == 1
    other = public.post(
        f"{BASE}/bookings", {**body, "metadata": {"order": "B"}}, format="json", **headers
    )
    assert _error(other) == (422, "idempotency_key_reused")
