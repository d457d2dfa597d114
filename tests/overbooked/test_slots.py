"""Overbooked slots: /slots, enable, disable, lock, unlock (DESIGN §10)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from bookings.models import Booking
from events.models import Event
from rentals.models import Rental
from slots.models import Slot
from tests.overbooked.conftest import BASE
from tests.overbooked.test_resources import UTC_MS, _error


def _slot(secret, resource, start="2030-01-01T10:00:00Z", end="2030-01-01T11:00:00Z", **extra):
    body = {"resource_id": resource["id"], "start_date": start, "end_date": end, "capacity": 1}
    return secret.post(f"{BASE}/slots", body | extra, format="json")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def slot(secret, resource) -> dict:
    return _slot(secret, resource).json()["data"]


def test_create_answers_the_slot_with_times_in_the_resource_s_offset(secret, resource):
    response = _slot(secret, resource, metadata={"room": "A"}, capacity=3, lockable=False)
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {
        "_object", "id", "resource_id", "available", "metadata", "start_date", "end_date",
        "capacity", "status", "lockable", "locked_until", "num_bookings", "num_active_bookings",
        "num_cancelled_bookings", "updated_at", "created_at",
    }  # fmt: skip
    assert data["_object"] == "slot"
    assert data["resource_id"] == resource["id"]
    # Europe/Warsaw in winter is UTC+1
    assert (data["start_date"], data["end_date"]) == (
        "2030-01-01T11:00:00+01:00",
        "2030-01-01T12:00:00+01:00",
    )
    assert (data["capacity"], data["status"], data["lockable"]) == (3, "active", False)
    assert data["available"] is True and data["locked_until"] is None
    assert (data["num_bookings"], data["num_active_bookings"], data["num_cancelled_bookings"]) == (
        0,
        0,
        0,
    )
    assert UTC_MS.match(data["created_at"])
    assert Event.objects.filter(event="slot_created").count() == 1


def test_offsets_in_the_input_are_honoured(secret, resource):
    data = _slot(
        secret, resource, start="2030-07-01T10:00:00+02:00", end="2030-07-01T10:30:00+02:00"
    ).json()["data"]
    assert data["start_date"] == "2030-07-01T10:00:00+02:00"
    assert Slot.objects.get().start_at == dt.datetime(2030, 7, 1, 8, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"end_date": "2030-01-01T10:00:00Z"}, 422, "E023"),
        ({"end_date": "2030-01-01T09:00:00Z"}, 422, "E023"),
        ({"capacity": 0}, 400, "E047"),
        ({"capacity": "2"}, 400, "E047"),
        ({"capacity": 2.5}, 400, "E047"),
        ({"start_date": "tomorrow"}, 400, "E013"),
        ({"start_date": "2300-01-01T00:00:00Z", "end_date": "2300-01-02T00:00:00Z"}, 400, "E013"),
        ({"start_date": None}, 400, "E013"),
        ({"lockable": "no"}, 400, "E013"),
        ({"resource_id": "nope"}, 400, "E013"),
        ({"resource_id": str(uuid.uuid4())}, 404, "E052"),
        ({"metadata": {"k": [1]}}, 422, "E043"),
        ({"metadata": {"k" * 101: 1}}, 422, "E042"),
    ],
)
def test_bad_input_gets_its_code_and_writes_nothing(secret, resource, extra, status, code):
    assert _error(_slot(secret, resource, **extra)) == (status, code)
    assert not Slot.objects.exists()


def test_overlapping_slots_are_e024(secret, resource):
    _slot(secret, resource)
    response = _slot(secret, resource, start="2030-01-01T10:30:00Z", end="2030-01-01T12:00:00Z")
    assert _error(response) == (422, "E024")
    assert Slot.objects.count() == 1


def test_a_slot_over_a_booking_is_refused(secret, resource):
    rental = Rental.objects.get(public_id=resource["id"])
    booking = Booking.objects.create(
        account=rental.account, rental=rental, status="booked",
        start_at="2030-01-01T09:00:00Z", end_at="2030-01-01T10:30:00Z",
    )  # fmt: skip
    response = _slot(secret, resource)
    assert _error(response) == (422, "E024")
    assert booking.reference in response.json()["error"]["message"]


def test_slot_writes_need_the_secret_key(public, slot, resource):
    later = _slot(public, resource, start="2030-02-01T10:00:00Z", end="2030-02-01T11:00:00Z")
    assert _error(later) == (401, "E015")
    for action in ("enable", "disable"):
        assert _error(public.post(f"{BASE}/slots/{slot['id']}/{action}")) == (401, "E015")
    patched = public.patch(f"{BASE}/slots/{slot['id']}", {"capacity": 2}, format="json")
    assert _error(patched) == (401, "E015")
    assert _error(public.delete(f"{BASE}/slots/{slot['id']}")) == (401, "E015")
    assert public.get(f"{BASE}/slots/{slot['id']}").json()["data"] == slot


def test_not_found_codes(secret, other_secret, slot):
    assert _error(secret.get(f"{BASE}/slots/{uuid.uuid4()}")) == (404, "E025")
    assert _error(secret.get(f"{BASE}/slots/12")) == (400, "E013")
    assert _error(other_secret.get(f"{BASE}/slots/{slot['id']}")) == (404, "E025")
    assert _error(other_secret.post(f"{BASE}/slots/{slot['id']}/disable")) == (404, "E025")
    assert _error(secret.get(f"{BASE}/slotz")) == (404, "E002")


def test_list_filters_and_pages(secret, resource, account):
    other = secret.post(
        f"{BASE}/resources", {"name": "B", "timezone": "UTC"}, format="json"
    ).json()["data"]
    for day in (1, 2, 3):
        _slot(secret, resource, start=f"2030-01-0{day}T10:00:00Z", end=f"2030-01-0{day}T11:00:00Z")
    _slot(secret, other, start="2030-01-01T10:00:00Z", end="2030-01-01T11:00:00Z")

    def ids(query):
        body = secret.get(f"{BASE}/slots?{query}").json()
        return [s["start_date"][:10] for s in body["data"]], body["meta"]

    assert ids("")[1] == {"total": 4, "limit": 20, "page": 1}
    assert ids(f"resource_id={resource['id']}")[0] == ["2030-01-01", "2030-01-02", "2030-01-03"]
    assert len(ids(f"resoure_id={resource['id']}")[0]) == 3  # the SDK's spelling
    assert ids("start_date=2030-01-02T00:00:00Z")[0] == ["2030-01-02", "2030-01-03"]
    assert ids("end_date=2030-01-02T11:00:00Z")[0] == ["2030-01-01", "2030-01-01", "2030-01-02"]
    # the draft resource's slot is not available
    assert ids("available=false")[0] == ["2030-01-01"]
    assert len(ids("available=true")[0]) == 3
    assert ids("limit=2&page=2")[1] == {"total": 4, "limit": 2, "page": 2}
    assert _error(secret.get(f"{BASE}/slots?available=maybe")) == (400, "E013")
    assert _error(secret.get(f"{BASE}/slots?start_date=soon")) == (400, "E013")
    assert _error(secret.get(f"{BASE}/slots?resource_id=x")) == (400, "E013")


def test_patch_changes_given_fields(secret, slot):
    response = secret.patch(
        f"{BASE}/slots/{slot['id']}",
        {"capacity": 5, "lockable": False, "metadata": {"a": 1},
         "end_date": "2030-01-01T12:00:00Z"},
        format="json",
    )  # fmt: skip
    data = response.json()["data"]
    assert (data["capacity"], data["lockable"], data["metadata"]) == (5, False, {"a": 1})
    assert data["end_date"] == "2030-01-01T13:00:00+01:00"
    assert data["start_date"] == slot["start_date"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"capacity": 0}, 400, "E047"),
        ({"end_date": "2030-01-01T09:00:00Z"}, 422, "E023"),
        ({"metadata": {"k": None, "x": {}}}, 422, "E043"),
    ],
)
def test_patch_refuses_bad_values(secret, slot, body, status, code):
    assert _error(secret.patch(f"{BASE}/slots/{slot['id']}", body, format="json")) == (
        status,
        code,
    )
    assert secret.get(f"{BASE}/slots/{slot['id']}").json()["data"] == slot


def test_moving_onto_another_slot_is_e024(secret, resource, slot):
    second = _slot(secret, resource, start="2030-01-01T12:00:00Z", end="2030-01-01T13:00:00Z")
    body = {"start_date": "2030-01-01T10:30:00Z"}
    response = secret.patch(f"{BASE}/slots/{second.json()['data']['id']}", body, format="json")
    assert _error(response) == (422, "E024")


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_disable_and_enable_with_an_empty_body(secret, slot, content_type):
    extra = {"content_type": content_type} if content_type else {}
    disabled = secret.post(f"{BASE}/slots/{slot['id']}/disable", **extra).json()["data"]
    assert (disabled["status"], disabled["available"]) == ("disabled", False)
    enabled = secret.post(f"{BASE}/slots/{slot['id']}/enable/", **extra).json()["data"]
    assert (enabled["status"], enabled["available"]) == ("active", True)


def test_enable_over_another_active_slot_is_e024(secret, resource, slot):
    secret.post(f"{BASE}/slots/{slot['id']}/disable")
    _slot(secret, resource, start="2030-01-01T10:30:00Z", end="2030-01-01T11:30:00Z")
    assert _error(secret.post(f"{BASE}/slots/{slot['id']}/enable")) == (422, "E024")


def test_delete_answers_empty_data(secret, slot):
    response = secret.delete(f"{BASE}/slots/{slot['id']}/")
    assert (response.status_code, response.json()) == (
        200,
        {"data": {}, "meta": {}, "success": True},
    )
    assert not Slot.objects.exists()


def test_lock_and_unlock_with_the_public_key(public, slot, now):
    until = now + dt.timedelta(hours=2)
    response = public.post(
        f"{BASE}/slots/{slot['id']}/lock", {"lock_until": _iso(until), "lock_key": "k1"},
        format="json",
    )  # fmt: skip
    data = response.json()["data"]
    assert response.status_code == 200
    assert data["locked_until"] == _iso(until).replace("Z", ".000Z")
    assert data["available"] is False
    response = public.post(f"{BASE}/slots/{slot['id']}/unlock", {"lock_key": "k1"}, format="json")
    assert response.json()["data"]["locked_until"] is None
    assert response.json()["data"]["available"] is True


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"lock_key": "k"}, "E013"),
        ({"lock_until": "PAST", "lock_key": "k"}, "E013"),
        ({"lock_until": "FAR", "lock_key": "k"}, "E013"),
        ({"lock_until": "SOON", "lock_key": ""}, "E013"),
        ({"lock_until": "SOON", "lock_key": "k" * 256}, "E013"),
        ({"lock_until": "SOON", "lock_key": 12}, "E013"),
        ({"lock_until": "SOON"}, "E013"),
        ({"lock_until": "not a time", "lock_key": "k"}, "E013"),
    ],
)
def test_lock_refuses_bad_values_with_e013(public, slot, now, body, code):
    times = {
        "PAST": _iso(now - dt.timedelta(minutes=1)),
        "FAR": _iso(now + dt.timedelta(hours=25)),
        "SOON": _iso(now + dt.timedelta(hours=1)),
    }
    body = {k: times.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = public.post(f"{BASE}/slots/{slot['id']}/lock", body, format="json")
    assert _error(response) == (400, code)
    assert Slot.objects.get().lock_until is None


def test_lock_codes_e044_e045_e059(secret, public, resource, slot, now):
    body = {"lock_until": _iso(now + dt.timedelta(hours=1)), "lock_key": "k1"}
    public.post(f"{BASE}/slots/{slot['id']}/lock", body, format="json")
    again = public.post(f"{BASE}/slots/{slot['id']}/lock", body | {"lock_key": "k2"}, format="json")
    assert _error(again) == (422, "E045")
    wrong = public.post(f"{BASE}/slots/{slot['id']}/unlock", {"lock_key": "k2"}, format="json")
    assert _error(wrong) == (403, "E059")
    assert public.get(f"{BASE}/slots/{slot['id']}").json()["data"]["locked_until"] is not None

    fixed = _slot(secret, resource, start="2030-03-01T10:00:00Z", end="2030-03-01T11:00:00Z",
                  lockable=False).json()["data"]  # fmt: skip
    response = public.post(f"{BASE}/slots/{fixed['id']}/lock", body, format="json")
    assert _error(response) == (422, "E044")


def test_a_slot_of_a_draft_resource_reads_unavailable(secret, resource, slot):
    secret.post(f"{BASE}/resources/{resource['id']}/convert-draft")
    assert secret.get(f"{BASE}/slots/{slot['id']}").json()["data"]["available"] is False
    data = secret.get(f"{BASE}/resources/{resource['id']}").json()["data"]
    assert (data["num_slots"], data["num_available_slots"]) == (1, 0)


def test_booking_disabled_before_closes_availability(secret, resource, now):
    start = now + dt.timedelta(hours=2)
    created = _slot(secret, resource, start=_iso(start), end=_iso(start + dt.timedelta(hours=1)))
    slot_id = created.json()["data"]["id"]
    url = f"{BASE}/resources/{resource['id']}"
    secret.patch(url, {"booking_disabled_before": 3 * 3600}, format="json")
    assert secret.get(f"{BASE}/slots/{slot_id}").json()["data"]["available"] is False
    secret.patch(url, {"booking_disabled_before": 3600}, format="json")
    assert secret.get(f"{BASE}/slots/{slot_id}").json()["data"]["available"] is True


def test_messages_use_the_reference_s_field_names(secret, resource, slot):
    response = _slot(secret, resource, start="2030-01-01T10:30:00Z", end="2030-01-01T12:00:00Z")
    assert response.json()["error"]["message"] == f"start_date: overlaps slot {slot['id']}"


def test_an_array_creates_every_slot_or_none_as_the_sdk_sends_it(secret, resource):
    def item(hour):
        return {
            "resource_id": resource["id"],
            "start_date": f"2030-01-01T{hour:02}:00:00.000Z",
            "end_date": f"2030-01-01T{hour + 1:02}:00:00.000Z",
            "capacity": 1,
        }

    response = secret.post(f"{BASE}/slots", [item(8)], format="json")
    assert response.status_code == 200
    assert [s["start_date"] for s in response.json()["data"]] == ["2030-01-01T09:00:00+01:00"]
    response = secret.post(f"{BASE}/slots", [item(9), item(10)], format="json")
    assert len(response.json()["data"]) == 2
    # the second overlaps the first: nothing is written
    assert _error(secret.post(f"{BASE}/slots", [item(12), item(12)], format="json")) == (
        422,
        "E024",
    )
    assert Slot.objects.count() == 3
    assert _error(secret.post(f"{BASE}/slots", [], format="json")) == (400, "E013")
    too_many = [item(h % 20) for h in range(101)]
    assert _error(secret.post(f"{BASE}/slots", too_many, format="json")) == (400, "E013")
    assert _error(secret.post(f"{BASE}/slots", [1], format="json")) == (400, "E013")
