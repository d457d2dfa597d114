"""Writes of the calendars app: the export token and calendar feeds.

`availability_updated` (DESIGN §8) is written by the booking services themselves, in the
booking's own event INSERT, so every writer (the import included) logs it once.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from calendars.models import CalendarExport, CalendarFeed, FeedEntry
from core.errors import ValidationFailed
from core.rowdelete import account_row_delete
from rentals.models import Rental

# --- export token ----------------------------------------------------------------------


def export_token_regenerate(*, rental: Rental, now: dt.datetime | None = None) -> CalendarExport:
    """A new secret for the rental's export feed; every URL handed out before stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        export, _ = CalendarExport.objects.select_for_update().get_or_create(
            account_id=rental.account_id, rental=rental
        )
        export.generation += 1
        export.regenerated_at = now
        CalendarExport.objects.filter(account_id=rental.account_id, pk=export.pk).update(
            generation=export.generation, regenerated_at=now
        )
    return export


# --- feeds -----------------------------------------------------------------------------


def clean_feed_url(url: str) -> str:
    """An http(s) URL with a host; where it may connect is checked when it is fetched."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed({"url": ["must be an http or https URL"]})
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationFailed({"url": ["must not contain spaces or control characters"]})
    return url


def calendar_feed_create(*, rental: Rental, name: str, url: str) -> CalendarFeed:
    name = name.strip()
    if not name or "\x00" in name:
        raise ValidationFailed({"name": ["can't be blank"]})
    return CalendarFeed.objects.create(
        account_id=rental.account_id, rental=rental, name=name, url=clean_feed_url(url)
    )


def calendar_feed_update(*, feed: CalendarFeed, name: str, url: str) -> CalendarFeed:
    name = name.strip()
    if not name or "\x00" in name:
        raise ValidationFailed({"name": ["can't be blank"]})
    feed.name, feed.url = name, clean_feed_url(url)
    if feed.url != CalendarFeed.objects.get(pk=feed.pk).url:
        feed.etag = feed.last_modified = ""  # another URL: fetch it whole next time
    feed.save()
    return feed


def calendar_feed_delete(*, feed: CalendarFeed, now: dt.datetime | None = None) -> None:
    """Delete the feed and cancel the bookings it mirrored (their nights are free again)."""
    from calendars import mirror

    now = now or timezone.now()
    entries = FeedEntry.objects.filter(account_id=feed.account_id, feed_id=feed.pk)
    with transaction.atomic():
        for entry in entries.select_related("booking"):
            mirror.cancel(booking=entry.booking, now=now)
        # The entries, then the feed row, by account (core.rowdelete).
        account_row_delete(CalendarFeed, account_id=feed.account_id, pk=feed.pk)
