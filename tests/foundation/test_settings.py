"""A bad environment stops start-up with a message that names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_django(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    environment.update({"SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "config.settings", **env})
    environment = {k: v for k, v in environment.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgres://localhost:5432/"),
        ("API_RATE_LIMIT", "lots"),
        ("API_RATE_LIMIT", "0"),
        ("TENTATIVE_SWEEP_SECONDS", "soon"),
        ("DEBUG", "maybe"),
        ("REDIS_URL", "http://localhost:6379"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_it(variable, value):
    result = start_django(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_secret_key_is_required_when_debug_is_off():
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_good_values_start():
    result = start_django(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/bookings",
        API_RATE_LIMIT="10",
        DEBUG="false",
    )
    assert result.returncode == 0, result.stderr


def test_embedded_sqlite_is_configured_for_concurrent_writers(settings):
    from config.env import env_database

    os.environ["X_TEST_DB"] = "sqlite:////tmp/x.sqlite3"
    try:
        config = env_database("X_TEST_DB", "")
    finally:
        del os.environ["X_TEST_DB"]
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 5
