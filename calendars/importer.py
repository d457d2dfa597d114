"""Importing calendar feeds (DESIGN §12): fetch, parse, mirror, record.

1. Fetch with a conditional GET (ETag / Last-Modified) through core/safehttp.py: 10 s for
   the whole exchange, 5 MB at most, no private addresses unless WEBHOOKS_ALLOW_PRIVATE.
   A failure (network, HTTP status, size, unparsable text) records the error on the
   feed and changes nothing else: the feed keeps its last good state.
2. Parse with `icalendar`; expand recurring events (RRULE, RDATE, EXDATE, overrides) with
   `recurring-ical-events` over the next 3 years. Each event is a range of nights:
   all-day dates as they are, timed events by their local dates on the rental.
3. Mirror through calendars/mirror.py (the booking services): a new event becomes an
   Unavailable booking, a moved one moves it, one that left the feed cancels it (unless
   the stay is already over: history stays). An event whose nights are taken by another
   booking is not imported and nothing is overwritten: the feed records the conflict,
   which the admin shows as a double-booking alert.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import icalendar
import recurring_ical_events
from django.conf import settings
from django.db import transaction

from bookings.errors import BookingOverlap
from bookings.models import Booking, reference_for
from calendars import mirror
from calendars.models import CalendarFeed, FeedEntry
from calendars.occupancy import MAX_BUFFER, NightClock, booking_occupied_period
from core.safehttp import SafeHttpError, safe_request

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10.0
MAX_FEED_BYTES = 5 * 1024 * 1024
HORIZON_DAYS = 3 * 365 + 1  # recurring events are expanded this far ahead
MAX_EVENTS = 10_000  # occurrences per feed: a daily rule over 3 years is 1,096
USER_AGENT = "Bookings-Calendar-Import/1"
EARLIEST = dt.date(1970, 1, 2)
LATEST = dt.date(2199, 12, 30)


class FeedError(Exception):
    """The feed could not be read; the message is shown on the feed."""


@dataclass(frozen=True)
class FeedEvent:
    key: str  # the UID, or UID#date for an occurrence of a recurring event
    uid: str
    start_date: dt.date
    end_date: dt.date


@dataclass
class SyncResult:
    feed_id: int
    status: str = "imported"  # imported | not_modified | failed
    created: int = 0
    moved: int = 0
    canceled: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


# --- fetch ---------------------------------------------------------------------------


def fetch(feed: CalendarFeed) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, validators) of a conditional GET; FeedError on any failure."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        response = safe_request(
            "GET",
            feed.url,
            headers=headers,
            timeout=FETCH_TIMEOUT_SECONDS,
            max_bytes=MAX_FEED_BYTES,
            allow_private=settings.WEBHOOKS_ALLOW_PRIVATE,
            allowed_schemes=("http", "https"),
        )
    except SafeHttpError as exc:
        raise FeedError(exc.message) from None
    if response.status == 304:
        return 304, b"", {}
    if not 200 <= response.status < 300:
        raise FeedError(f"the feed answered HTTP {response.status}")
    validators = {
        "etag": (response.headers.get("ETag") or "")[:255],
        "last_modified": (response.headers.get("Last-Modified") or "")[:100],
    }
    return response.status, response.body, validators


# --- parse ---------------------------------------------------------------------------


def _local_date(value: Any, clock: NightClock) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # floating time: the rental's own wall clock
            return value.date()
        return value.astimezone(clock.tz).date()
    return value


def parse(body: bytes, *, clock: NightClock, today: dt.date) -> dict[str, FeedEvent]:
    """The feed's events (occurrences expanded) that end today or later, by key."""
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except ValueError as exc:
        raise FeedError(f"not an iCalendar feed: {exc}") from None
    until = today + dt.timedelta(days=HORIZON_DAYS)
    try:
        occurrences = recurring_ical_events.of(calendar).between(today, until)
    except Exception as exc:  # a broken rule in someone else's feed: the feed's error
        raise FeedError(f"unreadable event in the feed: {exc}") from None
    if len(occurrences) > MAX_EVENTS:
        raise FeedError(f"the feed has more than {MAX_EVENTS} events in the next 3 years")
    # Occurrences come back as copies that may carry RECURRENCE-ID: which UIDs recur is
    # read from the feed itself.
    recurring_uids = {
        str(component.get("UID") or "").strip()
        for component in calendar.walk("VEVENT")
        if any(name in component for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }
    events: dict[str, FeedEvent] = {}
    for component in occurrences:
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        uid = str(component.get("UID") or "").strip()
        start = component.get("DTSTART")
        if not uid or start is None:
            continue
        end = component.get("DTEND")
        start_date = _local_date(start.dt, clock)
        if end is not None:
            end_date = _local_date(end.dt, clock)
        elif component.get("DURATION") is not None:
            end_date = _local_date(start.dt + component["DURATION"].dt, clock)
        else:
            end_date = start_date + dt.timedelta(days=1)
        if end_date <= start_date:
            end_date = start_date + dt.timedelta(days=1)  # a timed event within one day
        if end_date < today or not (start_date >= EARLIEST and end_date <= LATEST):
            continue
        # An occurrence is named by its RECURRENCE-ID (its date in the rule), so an
        # occurrence moved by an override is a move, not a cancel and a create.
        occurrence = component.get("RECURRENCE-ID")
        occurrence_date = _local_date(occurrence.dt, clock) if occurrence else start_date
        key = f"{uid}#{occurrence_date.isoformat()}" if uid in recurring_uids else uid
        events[key] = FeedEvent(key=key, uid=uid, start_date=start_date, end_date=end_date)
    return events


# --- mirror --------------------------------------------------------------------------


def _period(clock: NightClock, start_date: dt.date, end_date: dt.date):
    return (
        dt.datetime.combine(start_date, clock.checkin, tzinfo=clock.tz),
        dt.datetime.combine(end_date, clock.checkout, tzinfo=clock.tz),
    )


def _in_the_way(rental, start, end, now, exclude_id: int | None) -> Booking | None:
    """The first blocking booking whose occupied period overlaps [start, end)."""
    candidates = (
        Booking.objects.for_account(rental.account_id)
        .filter(rental=rental)
        .blocking(now)
        .overlapping(start - MAX_BUFFER, end + MAX_BUFFER)
        .exclude(pk=exclude_id)
        .order_by("start_at", "id")
    )
    for booking in candidates:
        occupied_start, occupied_end = booking_occupied_period(booking)
        if occupied_start < end and occupied_end > start:
            return booking
    return None


def _conflict(event: FeedEvent, booking: Booking | None) -> dict[str, Any]:
    return {
        "uid": event.uid,
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "booking_id": booking.pk if booking else None,
        "reference": reference_for(booking.pk) if booking else None,
    }


def reconcile(
    feed: CalendarFeed, events: dict[str, FeedEvent], *, now: dt.datetime, result: SyncResult
) -> None:
    rental = feed.rental
    clock = NightClock.of(rental)
    # Every statement on the entries names the account: a sharded database routes it.
    of_feed = FeedEntry.objects.filter(account_id=feed.account_id, feed_id=feed.pk)
    entries = {entry.key: entry for entry in of_feed.select_related("booking")}
    for key, event in sorted(events.items(), key=lambda item: (item[1].start_date, item[0])):
        entry = entries.pop(key, None)
        if entry is not None and entry.booking.status_at(now) == Booking.Status.CANCELED:
            of_feed.filter(pk=entry.pk).delete()  # canceled by hand: mirror it again
            entry = None
        start, end = _period(clock, event.start_date, event.end_date)
        if entry is None:
            clash = _in_the_way(rental, start, end, now, exclude_id=None)
            if clash is not None:
                result.conflicts.append(_conflict(event, clash))
                continue
            try:
                with transaction.atomic():
                    booking = mirror.create(
                        rental=rental,
                        source=feed.name,
                        uid=event.uid,
                        start_date=event.start_date,
                        end_date=event.end_date,
                        now=now,
                    )
                    FeedEntry.objects.create(
                        account_id=feed.account_id,
                        feed=feed,
                        key=key,
                        booking=booking,
                        start_date=event.start_date,
                        end_date=event.end_date,
                    )
            except BookingOverlap:  # taken between the check and the write
                result.conflicts.append(
                    _conflict(event, _in_the_way(rental, start, end, now, None))
                )
                continue
            result.created += 1
        elif (entry.start_date, entry.end_date) != (event.start_date, event.end_date):
            clash = _in_the_way(rental, start, end, now, exclude_id=entry.booking_id)
            if clash is not None:
                result.conflicts.append(_conflict(event, clash))
                continue  # the mirrored booking stays where it was
            try:
                with transaction.atomic():
                    mirror.move(
                        booking=entry.booking,
                        start_date=event.start_date,
                        end_date=event.end_date,
                        now=now,
                    )
                    of_feed.filter(pk=entry.pk).update(
                        start_date=event.start_date, end_date=event.end_date
                    )
            except BookingOverlap:
                result.conflicts.append(
                    _conflict(event, _in_the_way(rental, start, end, now, entry.booking_id))
                )
                continue
            result.moved += 1
    for entry in entries.values():  # events that left the feed
        with transaction.atomic():
            booking = entry.booking
            if booking.end_at > now and booking.status_at(now) != Booking.Status.CANCELED:
                mirror.cancel(booking=booking, now=now)
                result.canceled += 1
            of_feed.filter(pk=entry.pk).delete()


# --- one pass ------------------------------------------------------------------------


def feed_sync(*, feed: CalendarFeed, now: dt.datetime) -> SyncResult:
    """Import one feed. Never raises for the feed's own faults: they go to last_error."""
    result = SyncResult(feed_id=feed.pk)
    feed = CalendarFeed.objects.select_related("rental").get(pk=feed.pk)
    clock = NightClock.of(feed.rental)
    try:
        status, body, validators = fetch(feed)
        events = (
            {} if status == 304 else parse(body, clock=clock, today=now.astimezone(clock.tz).date())
        )
    except FeedError as exc:
        result.status, result.error = "failed", str(exc)[:2000]
        CalendarFeed.objects.filter(pk=feed.pk).update(
            last_attempt_at=now, last_error=result.error, updated_at=now
        )
        log.info("calendar feed %s failed: %s", feed.pk, result.error)
        return result
    if status == 304:
        result.status = "not_modified"
        CalendarFeed.objects.filter(pk=feed.pk).update(
            last_attempt_at=now, last_synced_at=now, last_error="", updated_at=now
        )
        return result
    reconcile(feed, events, now=now, result=result)
    CalendarFeed.objects.filter(pk=feed.pk).update(
        last_attempt_at=now,
        last_synced_at=now,
        last_error="",
        conflicts=result.conflicts,
        updated_at=now,
        **validators,
    )
    return result


def feeds_sync(*, now: dt.datetime, rental_id: int | None = None) -> list[SyncResult]:
    """One pass over every feed (of one rental, when given), oldest attempt first."""
    feeds = CalendarFeed.objects.order_by("last_attempt_at", "id")
    if rental_id is not None:
        feeds = feeds.filter(rental_id=rental_id)
    return [feed_sync(feed=feed, now=now) for feed in feeds.only("id")]
