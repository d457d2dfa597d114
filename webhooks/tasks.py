"""Celery task of the webhooks app: one delivery pass (DESIGN §11)."""

from __future__ import annotations

from celery import shared_task
from celery.utils.log import get_task_logger
from django.core.cache import cache

from webhooks.delivery import deliver_pass
from webhooks.signals import queued_flag

logger = get_task_logger(__name__)

# Well under the Redis visibility timeout (3600 s). A pass stops starting batches after
# its time budget; a batch ends within the claim lease.
PASS_TIME_BUDGET = 50.0
PASS_SOFT_TIME_LIMIT = 240
PASS_TIME_LIMIT = 300


@shared_task(
    name="webhooks.tasks.deliver_webhooks",
    soft_time_limit=PASS_SOFT_TIME_LIMIT,
    time_limit=PASS_TIME_LIMIT,
    max_retries=0,
    ignore_result=True,
)
def deliver_webhooks(account_id: int | None = None) -> str:
    """Turn new events into deliveries and attempt every due one.

    Enqueued after each commit that writes events (webhooks/signals.py, with that
    account) and by beat every WEBHOOKS_SWEEP_SECONDS (all accounts: events whose
    enqueue was lost, retries that became due). Any number may run at once: deliveries
    are claimed with SKIP LOCKED, and an account's events are fanned out by one at a time.
    """
    if account_id is not None:
        cache.delete(queued_flag(account_id))  # commits from now on queue another pass
    result = deliver_pass(account_id=account_id, time_budget=PASS_TIME_BUDGET)
    if result.attempted or result.created:
        logger.info("webhooks pass: %s", result)
    return str(result)
