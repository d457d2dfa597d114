"""The error envelope for API paths, and the health check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


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


def test_malformed_json_is_a_400_envelope(api, rental):
    response = api.generic(
        "POST",
        f"/api/v3/rentals/{rental.pk}/bookings",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"


def test_method_not_allowed_is_a_405_envelope(api):
    response = api.delete("/api/v3/auth")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_unsupported_media_type_is_a_415_envelope(api, rental):
    response = api.generic(
        "POST", f"/api/v3/rentals/{rental.pk}/bookings", "a=b", content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable():
    """A real process pointed at a port where no database listens."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.json()['checks']['database'])"
    )
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    status, state = result.stdout.split(maxsplit=1)
    assert status == "503"
    assert state.startswith("down")


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_healthz_with_or_without_slash(client, db, path):
    assert client.get(path).status_code == 200
