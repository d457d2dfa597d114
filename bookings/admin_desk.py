"""The desk: what the admin index shows a property manager first thing in the morning.

Today's arrivals and departures, and the holds that lapse within 24 hours, each linking
to the bookings list filtered the same way (DeskFilter in bookings/admin_changelist.py
uses the functions below, so the panel and the list always agree). "Today" is each
rental's own local day: a check-in at 16:00 in Lisbon is today's arrival in Lisbon
whatever the server's clock says. Panels of apps above bookings (calendar-feed
conflicts, failing webhooks) come from bookings/admin_extensions.py.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from accounts.admin_scoping import scope_to_user
from bookings.admin_extensions import DeskPanel, DeskRow, desk_panel_providers
from bookings.models import Booking, BookingQuerySet

ROWS_SHOWN = 10
HOLD_HORIZON = dt.timedelta(hours=24)
# A local day is within 14 hours of the UTC day either side (UTC−12 … UTC+14).
LOCAL_DAY_SLACK = dt.timedelta(hours=38)


def _on_local_today(bookings: BookingQuerySet, field: str, now: dt.datetime) -> list[int]:
    """Ids of `bookings` whose `field` (start_at or end_at) falls on today in their
    rental's time zone. The database narrows to a few days; each rental's zone decides."""
    candidates = (
        bookings.filter(
            **{f"{field}__gte": now - LOCAL_DAY_SLACK, f"{field}__lt": now + LOCAL_DAY_SLACK}
        )
        .blocking(now)
        .values_list("id", field, "rental__timezone")
    )
    ids = []
    for pk, instant, zone in candidates:
        tz = ZoneInfo(zone)
        if instant.astimezone(tz).date() == now.astimezone(tz).date():
            ids.append(pk)
    return ids


def arrivals_today(bookings: BookingQuerySet, now: dt.datetime) -> QuerySet:
    return bookings.filter(pk__in=_on_local_today(bookings, "start_at", now))


def departures_today(bookings: BookingQuerySet, now: dt.datetime) -> QuerySet:
    return bookings.filter(pk__in=_on_local_today(bookings, "end_at", now))


def holds_expiring(bookings: QuerySet, now: dt.datetime) -> QuerySet:
    """Live holds that lapse within the next 24 hours: confirm them or let them go."""
    return bookings.filter(
        status=Booking.Status.TENTATIVE,
        tentative_expires_at__gt=now,
        tentative_expires_at__lte=now + HOLD_HORIZON,
    )


DESK_FILTERS = {
    "arrivals": ("Arriving today", arrivals_today),
    "departures": ("Leaving today", departures_today),
    "holds": ("Holds lapsing within 24 h", holds_expiring),
}


def _time(value: dt.datetime, booking: Booking) -> str:
    return f"{value.astimezone(booking.rental.tzinfo):%H:%M}"


def _panel(request: HttpRequest, key: str, now: dt.datetime, row) -> DeskPanel:
    title, select = DESK_FILTERS[key]
    scoped: BookingQuerySet = scope_to_user(Booking.objects.all(), request)  # type: ignore[assignment]
    bookings = select(scoped, now)
    shown = list(
        bookings.select_related("rental", "client").order_by(
            "tentative_expires_at" if key == "holds" else "start_at", "id"
        )[:ROWS_SHOWN]
    )
    count = len(shown) if len(shown) < ROWS_SHOWN else bookings.count()
    return DeskPanel(
        key=key,
        title=title,
        rows=[row(booking) for booking in shown],
        link=reverse("admin:bookings_booking_changelist") + f"?desk={key}",
        link_text=f"all {count} in the bookings list",
        empty_text={
            "arrivals": "No arrivals today.",
            "departures": "No departures today.",
            "holds": "No hold lapses in the next 24 hours.",
        }[key],
        count=count,
    )


def desk_panels(request: HttpRequest, now: dt.datetime) -> list[DeskPanel]:
    def url(booking: Booking) -> str:
        return reverse("admin:bookings_booking_change", args=[booking.pk])

    def guest(booking: Booking) -> str:
        return booking.client.fullname if booking.client else booking.get_status_display()

    panels = [
        _panel(
            request,
            "arrivals",
            now,
            lambda b: DeskRow(
                text=f"{_time(b.start_at, b)} · {guest(b)}",
                url=url(b),
                detail=f"{b.rental.name} · {b.reference} · {b.nights} night{'s' * (b.nights != 1)}",
            ),
        ),
        _panel(
            request,
            "departures",
            now,
            lambda b: DeskRow(
                text=f"{_time(b.end_at, b)} · {guest(b)}",
                url=url(b),
                detail=f"{b.rental.name} · {b.reference}",
            ),
        ),
        _panel(
            request,
            "holds",
            now,
            lambda b: DeskRow(
                text=f"{guest(b)} · lapses {_time(b.tentative_expires_at, b)}",
                url=url(b),
                detail=f"{b.rental.name} · {b.reference} · "
                f"{b.start_at.astimezone(b.rental.tzinfo):%d %b} → "
                f"{b.end_at.astimezone(b.rental.tzinfo):%d %b %Y}",
            ),
        ),
    ]
    panels[2].alert = bool(panels[2].rows)
    for provider in desk_panel_providers:
        panel = provider(request, now)
        if panel is not None:
            panels.append(panel)
    return panels
