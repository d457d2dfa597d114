"""Overbooked API clients: a secret and a public key of `account`."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create

BASE = "/api/overbooked/v1"


def _client(account, kind: str) -> APIClient:
    _, key = api_key_create(account=account, kind=kind)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def secret(account) -> APIClient:
    return _client(account, "secret")


@pytest.fixture
def public(account) -> APIClient:
    return _client(account, "public")


@pytest.fixture
def other_secret(other_account) -> APIClient:
    return _client(other_account, "secret")


@pytest.fixture
def resource(secret) -> dict:
    """A published resource in Europe/Warsaw, made through the API."""
    created = secret.post(
        f"{BASE}/resources", {"name": "Room A", "timezone": "Europe/Warsaw"}, format="json"
    ).json()["data"]
    return secret.post(f"{BASE}/resources/{created['id']}/publish").json()["data"]
