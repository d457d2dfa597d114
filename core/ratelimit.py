"""Per-caller request budget (an OAuth application or an API key): a fixed hourly window
counted atomically in the cache.

On Redis the count is one round trip: a pipeline of `SET key 0 EX ttl NX` (start the
window) and `INCR key`, both atomic, so concurrent requests in any number of web
processes sharing Redis never over-grant. Other cache backends (local memory in
development and the SQLite tests) do the same with `cache.add` + `cache.incr`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import exceptions

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int  # epoch seconds when the window ends
    exceeded: bool

    @property
    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimitExceeded(exceptions.Throttled):
    default_detail = "rate limit exceeded"
    default_code = "rate_limit_exceeded"


def consume(
    owner: str,
    now: float | None = None,
    *,
    limit: int | None = None,
    window_seconds: int = WINDOW_SECONDS,
    counted: int | None = None,
) -> RateLimit:
    """Count one request for the caller (`app:17`, `key:3`) and say where it stands.

    `limit` defaults to API_RATE_LIMIT per hour; other budgets (the token endpoint, the
    schema) pass their own limit, window and an owner of their own (`token-client:…`).
    `counted`: this request was already counted at `now` (by the bearer-token lookup,
    in the same Redis round trip: core/authentication.py); the count it got.
    """
    now = time.time() if now is None else now
    key, timeout, reset = window_key(owner, now, window_seconds)
    count = _count(key, timeout=timeout) if counted is None else counted
    limit = settings.API_RATE_LIMIT if limit is None else limit
    return RateLimit(
        limit=limit, remaining=max(0, limit - count), reset=reset, exceeded=count > limit
    )


def window_key(
    owner: str, now: float, window_seconds: int = WINDOW_SECONDS
) -> tuple[str, int, int]:
    """The counter's cache key for the window holding `now`, its timeout, the reset time."""
    window = int(now) // window_seconds
    key = f"ratelimit:{owner}:{window_seconds}:{window}"
    return key, window_seconds + 60, (window + 1) * window_seconds


def count_commands(pipeline: Any, redis_key: str, timeout: int) -> None:
    """Queue the count on a Redis pipeline: start the window, then INCR (its result)."""
    # Django's Redis serializer stores integers as plain integers, so the value stays
    # readable through `cache.get` (and INCR-able), as with cache.add + cache.incr.
    pipeline.set(redis_key, 0, ex=timeout, nx=True)
    pipeline.incr(redis_key)


def _count(key: str, *, timeout: int) -> int:
    """This window's count for `key`, this request included."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        redis_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(redis_key, write=True)  # type: ignore[attr-defined]
        pipeline = client.pipeline(transaction=True)  # MULTI/EXEC: nothing between
        count_commands(pipeline, redis_key, timeout)
        return int(pipeline.execute()[1])
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=timeout)
        return 1
