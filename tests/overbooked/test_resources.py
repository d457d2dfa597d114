"""Overbooked resources (= rentals): /resources, publish, convert-draft (DESIGN §10)."""

from __future__ import annotations

import re
import uuid

import pytest

from bookings.models import Booking
from events.models import Event
from rentals.models import Rental
from tests.overbooked.conftest import BASE

UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _error(response):
    body = response.json()
    assert body["success"] is False
    return response.status_code, body["error"]["code"]


def test_create_answers_a_draft_resource_in_the_reference_shape(secret, account):
    response = secret.post(
        f"{BASE}/resources",
        {"name": "Room A", "timezone": "America/New_York", "metadata": {"foo": "bar"}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["meta"] == {}
    data = body["data"]
    assert set(data) == {
        "_object", "id", "metadata", "name", "status", "timezone", "short_id", "num_bookings",
        "num_active_bookings", "num_cancelled_bookings", "num_slots", "num_available_slots",
        "booking_disabled_before", "public_scheduling_enabled", "updated_at", "created_at",
    }  # fmt: skip
    assert data["_object"] == "resource"
    assert data["status"] == "draft"
    assert data["metadata"] == {"foo": "bar"}
    assert (data["num_slots"], data["booking_disabled_before"]) == (0, 0)
    assert data["public_scheduling_enabled"] is False
    assert len(data["short_id"]) == 11
    assert UTC_MS.match(data["created_at"]) and UTC_MS.match(data["updated_at"])
    rental = Rental.objects.get(public_id=uuid.UUID(data["id"]))
    assert rental.account_id == account.pk
    event = Event.objects.get(event="rental_created", resource_id=rental.pk)
    assert event.actor["type"] == "api_key"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"timezone": "UTC"}, 400, "E013"),
        ({"name": "", "timezone": "UTC"}, 400, "E013"),
        ({"name": "x" * 201, "timezone": "UTC"}, 400, "E013"),
        ({"name": "A"}, 400, "E013"),
        ({"name": "A", "timezone": "Mars/Olympus"}, 422, "E022"),
        ({"name": "A", "timezone": "UTC", "metadata": {"k" * 101: 1}}, 422, "E042"),
        ({"name": "A", "timezone": "UTC", "metadata": {"k": "v" * 5001}}, 422, "E042"),
        ({"name": "A", "timezone": "UTC", "metadata": {"k": {"deep": 1}}}, 422, "E043"),
        ({"name": "A", "timezone": "UTC", "metadata": "text"}, 422, "E043"),
        ({"name": "A", "timezone": "UTC", "public_scheduling_enabled": "yes"}, 422, "E066"),
    ],
)
def test_bad_input_gets_its_code_and_writes_nothing(secret, body, status, code):
    assert _error(secret.post(f"{BASE}/resources", body, format="json")) == (status, code)
    assert not Rental.objects.exists()
    assert not Event.objects.exists()


def test_a_body_that_is_not_an_object_is_e013(secret):
    response = secret.post(f"{BASE}/resources", "[1]", content_type="application/json")
    assert _error(response) == (400, "E013")
    response = secret.post(f"{BASE}/resources", "{nope", content_type="application/json")
    assert _error(response) == (400, "E013")


def test_writes_need_the_secret_key(public, resource):
    assert _error(public.post(f"{BASE}/resources", {"name": "A", "timezone": "UTC"})) == (
        401,
        "E015",
    )
    rid = resource["id"]
    assert (
        _error(public.patch(f"{BASE}/resources/{rid}", {"name": "B"}, format="json"))[1] == "E015"
    )
    assert _error(public.post(f"{BASE}/resources/{rid}/convert-draft"))[1] == "E015"
    assert _error(public.delete(f"{BASE}/resources/{rid}"))[1] == "E015"
    assert public.get(f"{BASE}/resources/{rid}").status_code == 200


def test_no_key_or_a_bad_key_is_refused(client, db):
    assert _error(client.get(f"{BASE}/resources")) == (401, "E056")
    response = client.get(f"{BASE}/resources", HTTP_AUTHORIZATION="Bearer sk_nope")
    assert _error(response) == (401, "E055")


def test_get_by_id_and_the_not_found_codes(secret, other_secret, resource):
    assert secret.get(f"{BASE}/resources/{resource['id']}/").json()["data"] == resource
    assert _error(secret.get(f"{BASE}/resources/not-a-uuid")) == (400, "E013")
    assert _error(secret.get(f"{BASE}/resources/{uuid.uuid4()}")) == (404, "E052")
    # another account's resource is a 404 with the resource's code
    assert _error(other_secret.get(f"{BASE}/resources/{resource['id']}")) == (404, "E052")
    assert _error(other_secret.delete(f"{BASE}/resources/{resource['id']}")) == (404, "E052")


def test_list_pages_with_page_and_limit_capped_at_50(secret, account):
    for i in range(53):
        Rental.objects.create(account=account, name=f"R{i:02}")
    body = secret.get(f"{BASE}/resources?limit=100").json()
    assert body["meta"] == {"total": 53, "limit": 50, "page": 1}
    assert len(body["data"]) == 50
    body = secret.get(f"{BASE}/resources?limit=50&page=2").json()
    assert [r["name"] for r in body["data"]] == ["R50", "R51", "R52"]
    assert secret.get(f"{BASE}/resources").json()["meta"]["limit"] == 20
    assert _error(secret.get(f"{BASE}/resources?page=0")) == (400, "E013")
    assert _error(secret.get(f"{BASE}/resources?limit=x")) == (400, "E013")


def test_list_filters_by_name_and_status(secret, account):
    Rental.objects.create(account=account, name="Room A")
    Rental.objects.create(account=account, name="Room B", status="draft")
    names = lambda q: [r["name"] for r in secret.get(f"{BASE}/resources?{q}").json()["data"]]  # noqa: E731
    assert names("name=Room A") == ["Room A"]
    assert names("status=draft") == ["Room B"]
    assert names("status=published") == ["Room A"]
    assert _error(secret.get(f"{BASE}/resources?status=open")) == (400, "E013")


def test_list_shows_only_the_account_s_resources(secret, other_account):
    Rental.objects.create(account=other_account, name="Theirs")
    assert secret.get(f"{BASE}/resources").json()["meta"]["total"] == 0


def test_patch_changes_given_fields_and_merges_metadata(secret):
    created = secret.post(
        f"{BASE}/resources",
        {"name": "A", "timezone": "UTC", "metadata": {"keep": 1, "drop": "x"}},
        format="json",
    ).json()["data"]
    response = secret.patch(
        f"{BASE}/resources/{created['id']}",
        {
            "timezone": "Europe/Berlin",
            "booking_disabled_before": 300,
            "public_scheduling_enabled": True,
            "metadata": {"drop": None, "new": True},
        },
        format="json",
    )
    data = response.json()["data"]
    assert (data["name"], data["timezone"]) == ("A", "Europe/Berlin")
    assert data["booking_disabled_before"] == 300
    assert data["public_scheduling_enabled"] is True
    assert data["metadata"] == {"keep": 1, "new": True}
    event = Event.objects.get(event="rental_updated")
    assert event.changes["timezone"] == ["UTC", "Europe/Berlin"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"booking_disabled_before": -1}, 422, "E058"),
        ({"booking_disabled_before": "5"}, 422, "E058"),
        ({"public_scheduling_enabled": 1}, 422, "E066"),
        ({"timezone": "Nowhere"}, 422, "E022"),
        ({"metadata": {f"k{i}": i for i in range(51)}}, 422, "E042"),
    ],
)
def test_patch_refuses_bad_values_and_changes_nothing(secret, resource, body, status, code):
    response = secret.patch(f"{BASE}/resources/{resource['id']}", body, format="json")
    assert _error(response) == (status, code)
    assert secret.get(f"{BASE}/resources/{resource['id']}").json()["data"] == resource


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_publish_and_convert_draft_take_an_empty_body_of_any_type(secret, content_type):
    created = secret.post(
        f"{BASE}/resources", {"name": "A", "timezone": "UTC"}, format="json"
    ).json()["data"]
    extra = {"content_type": content_type} if content_type else {}
    published = secret.post(f"{BASE}/resources/{created['id']}/publish", **extra)
    assert published.status_code == 200
    assert published.json()["data"]["status"] == "published"
    draft = secret.post(f"{BASE}/resources/{created['id']}/convert-draft/", **extra)
    assert draft.json()["data"]["status"] == "draft"


def test_delete_answers_empty_data_and_takes_the_slots_with_it(secret, resource):
    slot = secret.post(
        f"{BASE}/slots",
        {"resource_id": resource["id"], "start_date": "2030-01-01T10:00:00Z",
         "end_date": "2030-01-01T11:00:00Z", "capacity": 1},
        format="json",
    ).json()["data"]  # fmt: skip
    response = secret.delete(f"{BASE}/resources/{resource['id']}")
    assert response.status_code == 200
    assert response.json() == {"data": {}, "meta": {}, "success": True}
    assert _error(secret.get(f"{BASE}/slots/{slot['id']}")) == (404, "E025")
    assert set(Event.objects.values_list("event", flat=True)) >= {
        "slot_destroyed",
        "rental_destroyed",
    }


def test_a_resource_with_bookings_is_not_deleted(secret, resource):
    rental = Rental.objects.get(public_id=resource["id"])
    Booking.objects.create(
        account=rental.account, rental=rental, status="canceled",
        start_at="2030-01-01T10:00:00Z", end_at="2030-01-02T10:00:00Z",
    )  # fmt: skip
    assert _error(secret.delete(f"{BASE}/resources/{resource['id']}")) == (400, "E013")
    assert Rental.objects.filter(pk=rental.pk).exists()


def test_counts_include_the_resource_s_bookings_and_slots(secret, resource, now):
    rental = Rental.objects.get(public_id=resource["id"])
    for day, status in enumerate(("booked", "canceled", "unavailable"), start=1):
        Booking.objects.create(
            account=rental.account, rental=rental, status=status,
            start_at=f"2030-02-0{day}T10:00:00Z", end_at=f"2030-02-0{day}T12:00:00Z",
        )  # fmt: skip
    secret.post(
        f"{BASE}/slots",
        {"resource_id": resource["id"], "start_date": "2030-01-01T10:00:00Z",
         "end_date": "2030-01-01T11:00:00Z", "capacity": 1},
        format="json",
    )  # fmt: skip
    data = secret.get(f"{BASE}/resources/{resource['id']}").json()["data"]
    assert (data["num_bookings"], data["num_active_bookings"], data["num_cancelled_bookings"]) == (
        3,
        2,
        1,
    )
    assert (data["num_slots"], data["num_available_slots"]) == (1, 1)
