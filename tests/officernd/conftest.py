"""Fixtures for the OfficeRnD-compatible API: its base URL and a fresh rate-limit budget."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.conftest import make_booking  # noqa: F401 - the same booking factory


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()


@pytest.fixture
def base(account) -> str:
    return f"/api/officernd/v2/organizations/{account.slug}"


def moment(value: str) -> dict[str, str]:
    return {"dateTime": value}
