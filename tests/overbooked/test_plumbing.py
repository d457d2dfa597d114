"""The Overbooked-compatible API's envelope, error codes and key authentication."""

from __future__ import annotations

import pytest
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from accounts.api.keys import ApiKeyAuthentication, KeyClient
from accounts.services import api_key_create, api_key_revoke
from overbooked.api.errors import OverbookedError, exception_handler


def test_an_unknown_route_is_e002_in_the_envelope(client):
    response = client.get("/api/overbooked/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "E002", "message": "Route not found"},
        "success": False,
    }


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (OverbookedError("E049"), 422, "E049"),
        (OverbookedError("E059"), 403, "E059"),
        (exceptions.NotAuthenticated(), 401, "E056"),
        (exceptions.AuthenticationFailed(), 401, "E055"),
        (exceptions.Throttled(wait=3), 429, "E062"),
        (exceptions.ParseError("bad json"), 400, "E013"),
    ],
)
def test_failures_map_to_the_reference_codes(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert response.data["success"] is False


def _authenticate(header: str):
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=header)
    return ApiKeyAuthentication().authenticate(request)


def test_a_key_authenticates_as_its_account_and_kind(account):
    api_key, key = api_key_create(account=account, kind="public")
    principal, _ = _authenticate(f"Bearer {key}")
    assert principal == KeyClient(account_id=account.pk, api_key_id=api_key.pk, kind="public")
    assert not principal.is_secret


@pytest.mark.parametrize("header", ["Bearer pk_nope", "Bearer something", "Bearer sk_" + "0" * 64])
def test_an_unknown_key_is_refused(db, header):
    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate(header)


def test_a_revoked_key_is_refused(account):
    api_key, key = api_key_create(account=account, kind="secret")
    api_key_revoke(api_key=api_key)
    with pytest.raises(exceptions.AuthenticationFailed):
        _authenticate(f"Bearer {key}")


def test_no_header_is_no_attempt(db):
    assert _authenticate("") is None
