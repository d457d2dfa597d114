"""Threat: `GET /api/v3/schema` needs no token, had no rate limit and was rebuilt on every
request (~50 ms of CPU, 125 KB): a cheap way to load the web processes. It is built once
per process and counted per client address."""

from __future__ import annotations

import json

import pytest

from core.schema_view import CachedSchemaView


@pytest.fixture(autouse=True)
def _fresh_schema_cache():
    CachedSchemaView._schemas.clear()
    yield
    CachedSchemaView._schemas.clear()


def test_the_schema_is_built_once_and_served_from_memory(client, db):
    first = client.get("/api/v3/schema", {"format": "json"})
    assert first.status_code == 200
    assert len(CachedSchemaView._schemas) == 1
    (schema,) = CachedSchemaView._schemas.values()
    schema["info"]["title"] = "served from the cache"
    second = client.get("/api/v3/schema", {"format": "json"})
    assert json.loads(second.content)["info"]["title"] == "served from the cache"


def test_the_schema_is_rate_limited_per_address(client, db, settings):
    settings.API_RATE_LIMIT = 2
    for _ in range(2):
        response = client.get("/api/v3/schema", REMOTE_ADDR="10.3.3.3")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "2"
    response = client.get("/api/v3/schema", REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert client.get("/api/v3/schema", REMOTE_ADDR="10.3.3.4").status_code == 200
