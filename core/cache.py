"""Django's Redis cache with one Redis client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` object (over the same
pool) on every call, and every API request makes several (token lookup, rate limit, the
webhook wake-up after a write): about a tenth of a millisecond each. A client is
thread-safe and its pool reconnects in a forked process, so one per pool serves the
whole process. Set as the cache backend in config/settings.py.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server: Any, params: Any) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
