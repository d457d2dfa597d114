"""Threat: a request body that costs the server a 500 or unbounded work before any rule
runs — deep JSON nesting (RecursionError in the decoder), a body over the size limit
(Django's RequestDataTooBig), too many fields. Each must be a clean 4xx in the envelope
of the API it was sent to (DESIGN §4, §15)."""

from __future__ import annotations

import json

import pytest

from accounts.services import api_key_create
from core.parsers import MAX_JSON_DEPTH, json_depth_exceeds, parse_json

DEEP = "[" * 100_000


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (nested(MAX_JSON_DEPTH), False),
        (nested(MAX_JSON_DEPTH + 1), True),
        ('{"a": "' + "[" * 50 + '"}', False),  # brackets inside a string are text
        ('{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # so are escaped quotes' neighbours
        (json.dumps({"a": [{"b": [{"c": [1]}]}]}), False),
    ],
)
def test_nesting_is_measured_on_structure_not_text(body, too_deep):
    assert json_depth_exceeds(body.encode()) is too_deep


def test_100000_open_brackets_are_a_value_error_not_a_recursion_error():
    with pytest.raises(ValueError, match="nests deeper than 20"):
        parse_json(DEEP.encode())


@pytest.mark.parametrize(
    "path",
    ["/api/v3/rentals", "/api/v3/clients", "RENTAL_BOOKINGS"],
    ids=["rentals", "clients", "bookings"],
)
def test_deep_json_is_a_400_bad_request(api, rental, path):
    path = f"/api/v3/rentals/{rental.pk}/bookings" if path == "RENTAL_BOOKINGS" else path
    for body in (DEEP, '{"rentals": [{"name": ' + nested(5000) + "}]}"):
        response = api.generic("POST", path, body, content_type="application/json")
        assert response.status_code == 400, response.content[:200]
        assert response.json()["errors"][0]["code"] == "bad_request"


def test_21_levels_inside_a_valid_shape_are_refused_and_20_are_parsed(api, rental):
    too_deep = {"rentals": [{"name": "x", "summary": json.loads(nested(MAX_JSON_DEPTH - 2))}]}
    response = api.generic(
        "POST", "/api/v3/rentals", json.dumps(too_deep), content_type="application/json"
    )
    assert response.status_code == 400  # object, array, object, then 19 arrays: 22 levels
    fits = {"rentals": [{"name": "x"}]}
    response = api.generic(
        "POST", "/api/v3/rentals", json.dumps(fits), content_type="application/vnd.api+json"
    )
    assert response.status_code == 201


def test_a_body_over_the_limit_is_a_413_in_the_envelope(api, rental, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"rentals": [{"name": "x", "summary": "y" * 20_000}]})
    response = api.generic("POST", "/api/v3/rentals", body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["code"] == "payload_too_large"
    assert "10000" in error["title"]


def test_the_default_limit_is_2_5_mb(api, rental, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    body = json.dumps({"bookings": [{"notes": "x" * 2_700_000}]})
    response = api.generic(
        "POST", f"/api/v3/rentals/{rental.pk}/bookings", body, content_type="application/json"
    )
    assert response.status_code == 413


def test_a_form_body_over_the_limit_at_the_token_endpoint_is_a_413(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post("/oauth/token", {"grant_type": "client_credentials", "x": "y" * 20_000})
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"


def test_more_than_1000_query_parameters_are_a_400_not_a_500(api, db):
    query = "&".join(f"p{n}=1" for n in range(1200))
    response = api.get(f"/api/v3/bookings?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"


@pytest.fixture
def overbooked(client, account):
    _api_key, key = api_key_create(account=account, kind="secret", name="tests")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.mark.urls("tests.security.overbooked_urls")
def test_overbooked_deep_json_is_a_400_e013(overbooked):
    fits = overbooked.generic(
        "POST", "/api/overbooked/v1/echo", json.dumps({"a": [[1]]}), content_type="text/plain"
    )
    assert fits.status_code == 200, fits.content
    response = overbooked.generic(
        "POST", "/api/overbooked/v1/echo", DEEP, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "E013", "message": response.json()["error"]["message"]},
        "success": False,
    }
    assert "nests deeper" in response.json()["error"]["message"]


@pytest.mark.urls("tests.security.overbooked_urls")
def test_overbooked_body_over_the_limit_is_a_413_in_its_envelope(overbooked, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"name": "x" * 20_000})
    response = overbooked.generic(
        "POST", "/api/overbooked/v1/echo", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "E013"
