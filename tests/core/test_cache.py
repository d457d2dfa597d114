"""core.cache: one Redis client per pool for the whole process, the cache still works."""

from __future__ import annotations

from django.core.cache import caches

from core.cache import RedisCache
from tests.expiry.conftest import require_redis


def test_the_redis_cache_hands_out_one_client_and_still_caches(settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": require_redis()}}
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client("any key", write=True) is client
    backend.delete("core-cache-test")
    assert backend.add("core-cache-test", 1, timeout=5) is True
    assert backend.add("core-cache-test", 2, timeout=5) is False
    assert backend.get("core-cache-test") == 1
    backend.delete("core-cache-test")
