"""Writes of the calendars app: the export token, calendar feeds, and the decision to
log `availability_updated` (DESIGN §8) when a write changes which nights a rental has free.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from calendars.models import CalendarExport, CalendarFeed
from calendars.occupancy import CODE_BY_STATUS, NightClock, booking_occupied_period
from core.errors import ValidationFailed
from events.actors import Actor
from events.models import Event
from events.services import event_record
from rentals.models import Rental

# --- availability_updated ------------------------------------------------------------


@dataclass(frozen=True)
class Occupancy:
    """What one booking does to its rental's map: the occupied period and the map code."""

    start: dt.datetime
    end: dt.datetime
    code: str

    @classmethod
    def of(cls, booking, now: dt.datetime) -> Occupancy | None:
        """The booking's occupancy as it stands, or None when it blocks nothing
        (canceled, or an expired hold)."""
        if booking is None or booking.status_at(now) not in CODE_BY_STATUS:
            return None
        start, end = booking_occupied_period(booking)
        return cls(start, end, CODE_BY_STATUS[booking.status])


def availability_changed(
    *, rental: Rental, before: Occupancy | None, after: Occupancy | None
) -> bool:
    """Whether a booking going from `before` to `after` changes the rental's map: the
    nights it takes, or how they read (1 booked, 2 tentative, 3 unavailable)."""

    def nights(occupancy: Occupancy | None):
        if occupancy is None:
            return None
        taken = NightClock.of(rental).nights(occupancy.start, occupancy.end)
        return (taken, occupancy.code) if taken is not None else None

    return nights(before) != nights(after)


def availability_record(
    *,
    rental: Rental,
    before: Occupancy | None,
    after: Occupancy | None,
    actor: Actor,
    now: dt.datetime,
) -> bool:
    """Log `availability_updated` for the rental when the change moves its map; call it
    inside the writer's transaction, after the write. Returns whether it logged one."""
    if not availability_changed(rental=rental, before=before, after=after):
        return False
    event_record(
        account_id=rental.account_id,
        event=Event.Name.AVAILABILITY_UPDATED,
        resource_type="rental",
        resource_id=rental.pk,
        actor=actor,
        occurred_at=now,
    )
    return True


# --- export token ----------------------------------------------------------------------


def export_token_regenerate(*, rental: Rental, now: dt.datetime | None = None) -> CalendarExport:
    """A new secret for the rental's export feed; every URL handed out before stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        export, _ = CalendarExport.objects.select_for_update().get_or_create(
            rental=rental, defaults={"account_id": rental.account_id}
        )
        export.generation += 1
        export.regenerated_at = now
        export.save(update_fields=["generation", "regenerated_at"])
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
    with transaction.atomic():
        for entry in feed.entries.select_related("booking"):
            mirror.cancel(booking=entry.booking, now=now)
        feed.delete()
