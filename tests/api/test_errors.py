"""Each error status of DESIGN §4 on the resource endpoints, in the one envelope."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.api.conftest import wrap


def test_no_token_is_a_401_with_www_authenticate(db):
    response = APIClient().get("/api/v3/bookings")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["code"] == "unauthorized"


def test_a_bad_token_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nope")
    assert client.get("/api/v3/rentals").status_code == 401


def test_unsupported_method_is_a_405(api, rental):
    response = api.put("/api/v3/bookings", wrap("bookings", booked=True), format="json")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_text_plain_is_a_415(api, rental):
    response = api.generic("POST", "/api/v3/rentals", "name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_malformed_json_is_a_400_envelope(api, rental, make_booking, method):
    path = (
        f"/api/v3/rentals/{rental.pk}/bookings"
        if method == "POST"
        else f"/api/v3/bookings/{make_booking(rental).pk}"
    )
    response = api.generic(method, path, "{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"


def test_rate_limit_is_a_429_with_headers(api, rental, settings):
    cache.clear()  # the counters outlive each test's database rows and their reused ids
    settings.API_RATE_LIMIT = 2
    first = api.get("/api/v3/bookings")
    assert first["X-RateLimit-Limit"] == "2"
    assert first["X-RateLimit-Remaining"] == "1"
    api.get("/api/v3/bookings")
    response = api.get("/api/v3/bookings")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert response["X-RateLimit-Remaining"] == "0"


def test_rate_limit_headers_are_on_errors_too(api, db):
    response = api.get("/api/v3/bookings/999999")
    assert response.status_code == 404
    assert "X-RateLimit-Reset" in response


def test_values_the_database_cannot_hold_are_422_not_500(api, rental):
    body = wrap(
        "bookings",
        booked=True,
        start_at="2031-01-01",
        end_at="2031-01-02",
        initial_price="1e20",
        adults=2**40,
    )
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 422, response.content


def test_nul_characters_are_a_422_not_a_database_error(api, rental):
    """PostgreSQL text and jsonb cannot hold NUL; found by schemathesis."""
    response = api.post("/api/v3/clients", wrap("clients", fullname="A\x00B"), format="json")
    assert response.status_code == 422
    response = api.post(
        "/api/v3/clients", wrap("clients", fullname="A", emails=["a\x00@b"]), format="json"
    )
    assert response.status_code == 422
    response = api.post("/api/v3/rentals", wrap("rentals", name="Flat\x00"), format="json")
    assert response.status_code == 422
    body = wrap("bookings", booked=True, start_at="2031-01-01", end_at="2031-01-02", notes="\x00")
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 422
    assert api.get("/api/v3/bookings", {"external_reference": "x\x00"}).status_code == 422


def test_unknown_api_path_is_a_json_404(api):
    for path in ("/api/v3/nothing-here", "/api/v3/nothing/here/", "/api/v2/bookings"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["errors"][0]["code"] == "not_found"


def test_unknown_api_path_is_json_with_debug_off(client, settings, db):
    settings.DEBUG = False
    response = client.get("/api/v3/no-such-thing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
