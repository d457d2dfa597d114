"""Per-caller request budget (an OAuth application or an API key): a fixed hourly window
counted atomically in the cache.

`cache.add` + `cache.incr` are atomic in Redis (INCR) and under a lock in local memory,
so concurrent requests in any number of web processes sharing Redis never over-grant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
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
) -> RateLimit:
    """Count one request for the caller (`app:17`, `key:3`) and say where it stands.

    `limit` defaults to API_RATE_LIMIT per hour; other budgets (the token endpoint, the
    schema) pass their own limit, window and an owner of their own (`token-client:…`).
    """
    now = time.time() if now is None else now
    window = int(now) // window_seconds
    reset = (window + 1) * window_seconds
    key = f"ratelimit:{owner}:{window_seconds}:{window}"
    cache.add(key, 0, timeout=window_seconds + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=window_seconds + 60)
        count = 1
    limit = settings.API_RATE_LIMIT if limit is None else limit
    return RateLimit(
        limit=limit, remaining=max(0, limit - count), reset=reset, exceeded=count > limit
    )
