"""The health check (database and broker reachable)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


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
