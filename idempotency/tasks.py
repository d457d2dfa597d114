"""Periodic job of the idempotency keys."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from idempotency.services import keys_purge


@shared_task(name="idempotency.tasks.purge_expired_keys", ignore_result=True)
def purge_expired_keys() -> int:
    """Delete keys past their 24 hours (beat runs it hourly)."""
    return keys_purge(now=timezone.now())
