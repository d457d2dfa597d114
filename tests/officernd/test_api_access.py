"""Who may call the OfficeRnD API: the v3 tokens and scopes, one organization per token."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking
from core.timefmt import utc_text
from tests.officernd.conftest import moment


@pytest.fixture
def body(rental, guest, now):
    start = now + dt.timedelta(days=2)
    return {
        "start": moment(utc_text(start)),
        "end": moment(utc_text(start + dt.timedelta(hours=1))),
        "resourceId": rental.pk,
        "member": guest.pk,
    }


def test_no_token_is_a_401_in_the_error_shape_with_the_bearer_challenge(base, db):
    response = APIClient().get(f"{base}/bookings")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_another_organizations_slug_is_a_404(api, other_account):
    response = api.get(f"/api/officernd/v2/organizations/{other_account.slug}/bookings")
    assert response.status_code == 404
    assert response.json() == {"message": "not found", "status": 404}


def test_another_accounts_booking_is_a_404(api, base, make_api, other_account, body):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    other = make_api(other_account)
    other_base = f"/api/officernd/v2/organizations/{other_account.slug}"
    for method in ("get", "put", "delete"):
        response = getattr(other, method)(
            f"{other_base}/bookings/{created['id']}", {}, format="json"
        )
        assert response.status_code == 404, method
    assert Booking.objects.get().status == Booking.Status.BOOKED


def test_writing_needs_a_bookings_write_scope(make_api, account, base, body):
    reader = make_api(account, "public bookings_read")
    response = reader.post(f"{base}/bookings", body, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "message": "requires scope bookings_write or bookings_write_owned",
        "status": 403,
    }


def test_bookings_write_owned_may_change_only_its_own_bookings(make_api, account, base, body):
    owner = make_api(account, "public bookings_write_owned")
    created = owner.post(f"{base}/bookings", body, format="json").json()[0]
    stranger = make_api(account, "public bookings_write_owned")
    assert stranger.delete(f"{base}/bookings/{created['id']}").status_code == 403
    assert owner.delete(f"{base}/bookings/{created['id']}").status_code == 204


def test_a_public_token_sees_only_the_restricted_fields_of_others_bookings(
    make_api, api, account, base, body
):
    created = api.post(f"{base}/bookings", body, format="json").json()[0]
    public = make_api(account, "public")
    record = public.get(f"{base}/bookings/{created['id']}").json()
    assert set(record) == {
        "_id", "id", "reference", "start", "end", "timezone", "resourceId",
        "tentative", "canceled", "modifiedAt",
    }  # fmt: skip


def test_unknown_routes_and_methods_answer_in_the_error_shape(api, base):
    assert api.get("/api/officernd/v2/nothing").json() == {
        "message": "Route not found",
        "status": 404,
    }
    response = api.patch(f"{base}/bookings/1", {}, format="json")
    assert response.status_code == 405 and response.json()["status"] == 405


def test_a_huge_booking_id_is_a_404_not_a_500(api, base):
    assert api.get(f"{base}/bookings/{'9' * 30}").status_code == 404


def test_a_path_with_an_encoded_newline_is_still_this_apis_404(api):
    response = api.get("/api/officernd/v2/organizations/a%0Ab/bookings/1")
    assert response.status_code == 404
    assert response.json() == {"message": "Route not found", "status": 404}
