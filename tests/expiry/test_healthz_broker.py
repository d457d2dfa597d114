"""/healthz reports the broker when REDIS_URL configures one: 200 with Redis up, 503 down."""

from __future__ import annotations

import pytest

from tests.expiry.conftest import require_redis

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_broker_ok_when_redis_answers(client, settings):
    settings.REDIS_URL = require_redis()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/5"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down")


def test_healthz_leaves_the_broker_out_when_none_is_configured(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "broker" not in response.json()["checks"]
