"""The security suite (issue 11): each module names the threat its tests cover.

Rate-limit and lockout counters live in the cache and outlive each test's rolled-back
rows, so every test starts with an empty cache.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.api.conftest import make_booking  # noqa: F401  (a fixture, shared)


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()
