"""Periodic jobs of the event log."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from events.services import events_purge


@shared_task(name="events.tasks.purge_old_events", ignore_result=True)
def purge_old_events() -> int:
    """Delete events older than EVENT_RETENTION_DAYS (beat runs it daily)."""
    cutoff = timezone.now() - dt.timedelta(days=settings.EVENT_RETENTION_DAYS)
    return events_purge(older_than=cutoff)
