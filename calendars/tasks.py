"""Beat pulls every calendar feed each ICAL_SYNC_MINUTES (config/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from calendars.importer import feeds_sync


@shared_task(name="calendars.tasks.sync_calendar_feeds")
def sync_calendar_feeds(rental_id: int | None = None) -> dict[str, int]:
    results = feeds_sync(now=timezone.now(), rental_id=rental_id)
    return {
        "feeds": len(results),
        "failed": sum(1 for result in results if result.status == "failed"),
        "conflicts": sum(len(result.conflicts) for result in results),
    }
