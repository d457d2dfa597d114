"""One delivery pass: new events become deliveries, then every due delivery is attempted.

Run by the Celery task (enqueued on commit and by beat's sweep) and by
`manage.py deliver_webhooks`. Per batch: one claim (SKIP LOCKED), one load, the bodies
rendered together, the POSTs sent in parallel threads (I/O bound; every request goes
through core/safehttp.py), then the attempts bulk-inserted and the deliveries
bulk-updated.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from core.safehttp import SafeHttpError, safe_request
from webhooks import services
from webhooks.models import Delivery
from webhooks.payloads import render_bodies
from webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0  # a 2xx within 10 s is delivered (DESIGN §11)
RESPONSE_SAMPLE_BYTES = 1024
# Each thread sends at most this many requests per batch, so a batch of slow receivers
# still ends well within the claim's lease (timeout × this < WEBHOOKS_LEASE_SECONDS).
REQUESTS_PER_THREAD = 8

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.WEBHOOKS_CONCURRENCY, thread_name_prefix="webhook"
        )
    return _executor


def _allowed_schemes() -> tuple[str, ...]:
    return ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)


def post(url: str, body: bytes, headers: dict[str, str]) -> services.Outcome:
    """POST one body; never raises (every failure is an outcome to log)."""
    attempted_at = timezone.now()
    started = time.perf_counter()
    status: int | None = None
    sample = ""
    try:
        response = safe_request(
            "POST",
            url,
            headers=headers,
            body=body,
            timeout=TIMEOUT_SECONDS,
            max_bytes=RESPONSE_SAMPLE_BYTES,
            on_overflow="truncate",
            allow_private=settings.WEBHOOKS_ALLOW_PRIVATE,
            allowed_schemes=_allowed_schemes(),
        )
        status = response.status
        sample = response.body.decode("utf-8", errors="replace")
        if 300 <= status < 400:
            location = response.headers.get("Location", "")[:200]
            error = f"redirect to {location!r} (redirects are not followed)"
        elif 200 <= status < 300:
            error = ""
        else:
            error = f"HTTP {status}"
    except SafeHttpError as exc:
        error = exc.message
    except Exception as exc:  # a bug must not lose the attempt's log line
        logger.exception("webhook POST to %s failed unexpectedly", url)
        error = f"internal error: {type(exc).__name__}"
    duration_ms = int((time.perf_counter() - started) * 1000)
    return services.Outcome(
        attempted_at=attempted_at,
        duration_ms=duration_ms,
        status_code=status,
        error=error,
        response_body=sample,
    )


@dataclass
class PassResult:
    created: int = 0
    attempted: int = 0
    delivered: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} deliveries created, {self.attempted} attempted, "
            f"{self.delivered} delivered"
        )


def batch_size() -> int:
    return settings.WEBHOOKS_CONCURRENCY * REQUESTS_PER_THREAD


def deliver_batch(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Claim, send and record one batch of due deliveries: (attempted, delivered)."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)
    deliveries = services.deliveries_claim(now=now, limit=batch_size(), lease=lease)
    if not deliveries:
        return 0, 0
    bodies = render_bodies(deliveries, now=now)
    timestamp = int(time.time())

    def send(delivery: Delivery) -> services.Outcome:
        subscription = delivery.subscription
        body = bodies[delivery.pk]
        headers = signed_headers(
            subscription.secret, msg_id=delivery.webhook_id, timestamp=timestamp, body=body
        )
        return post(subscription.url, body, headers)

    outcomes = list(_pool().map(send, deliveries))
    results = list(zip(deliveries, outcomes, strict=True))
    services.attempts_record(results=results, now=timezone.now())
    delivered = sum(outcome.success for outcome in outcomes)
    logger.info("webhooks: %d attempted, %d delivered", len(results), delivered)
    return len(results), delivered


def deliver_pass(*, account_id: int | None = None, time_budget: float = 50.0) -> PassResult:
    """Fan out new events (of one account, or all), then attempt due deliveries until none
    is due or the time budget is spent (the next pass continues)."""
    result = PassResult()
    deadline = time.monotonic() + time_budget
    result.created = services.deliveries_fan_out(now=timezone.now(), account_id=account_id)
    while time.monotonic() < deadline:
        attempted, delivered = deliver_batch()
        result.attempted += attempted
        result.delivered += delivered
        if attempted < batch_size():
            break
    return result
