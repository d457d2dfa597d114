"""Threat: a production deployment without HTTPS hardening (no HSTS, cookies sent over
http, no redirect, a proxy's scheme ignored) or with django-oauth-toolkit's insecure
defaults. `manage.py check --deploy` must pass clean with the production environment the
README documents (deploy/bookings.env.example holds the same values); and the gunicorn
front's limits are a decision, written down in deploy/gunicorn.conf.py."""

from __future__ import annotations

import logging
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The example environment file, with a real secret and a local database."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    for line in (ROOT / "deploy" / "bookings.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    return env


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_readme_documents_every_production_variable():
    readme = (ROOT / "README.md").read_text()
    for line in (ROOT / "deploy" / "bookings.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert f"`{line.partition('=')[0]}`" in readme


def test_without_the_https_settings_check_deploy_complains(tmp_path):
    env = production_environment(tmp_path)
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"):
        env.pop(name)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout


@pytest.fixture
def gunicorn_config() -> dict:
    return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_limits_are_set_above_what_clients_send(gunicorn_config):
    assert gunicorn_config["limit_request_line"] == 8190  # gunicorn's largest
    assert gunicorn_config["limit_request_fields"] == 100
    assert gunicorn_config["limit_request_field_size"] == 8190
    assert gunicorn_config["timeout"] == 30


def test_gunicorn_warns_at_start_that_the_embedded_mode_counts_per_process(
    gunicorn_config, monkeypatch, caplog
):
    monkeypatch.delenv("REDIS_URL", raising=False)
    server = SimpleNamespace(cfg=SimpleNamespace(workers=4))
    with caplog.at_level(logging.WARNING, logger="gunicorn.error"):
        gunicorn_config["on_starting"](server)
    assert "REDIS_URL is empty" in caplog.text
    caplog.clear()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    gunicorn_config["on_starting"](server)
    assert caplog.text == ""
