"""The month grid of one rental's bookings, as the admin calendar page draws it.

Days are the rental's local calendar days, each cut in two halves (morning, afternoon).
A stay is drawn from the afternoon of its check-in day to the morning of its check-out
day, as on the planning board: a departure and an arrival on the same day share it, and
a stay ending Friday reads differently from one ending Saturday. The month's slots are
outlined bars with booked/capacity (bookings/admin_slots.py); a slot's bookings are
counted there, not drawn as stays. All the month's bookings come from one query, its
slots with their counts from another.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse

from bookings.admin_slots import SlotBar, slot_bar
from bookings.models import Booking
from core.timeparse import MAX_INSTANT, MIN_INSTANT
from rentals.models import Rental
from slots.selectors import slots_in_window


@dataclass
class Bar:
    booking: Booking
    status: str
    start_line: int  # grid lines of the week's 14 half-day columns (1 = Monday morning)
    end_line: int
    label: str
    continues_before: bool
    continues_after: bool
    url: str
    check_in: dt.datetime
    check_out: dt.datetime


@dataclass
class Week:
    days: list[dt.date]
    bars: list[Bar] = field(default_factory=list)
    slots: list[SlotBar] = field(default_factory=list)


@dataclass
class MonthCalendar:
    rental: Rental
    month: dt.date  # first day of the month
    today: dt.date
    weeks: list[Week]
    previous_month: dt.date
    next_month: dt.date
    include_canceled: bool
    booking_count: int
    slot_count: int = 0


_FIRST_MONTH = MIN_INSTANT.date().replace(day=1)
_LAST_MONTH = MAX_INSTANT.date().replace(day=1)


def parse_month(value: str | None, default: dt.date) -> dt.date:
    """`YYYY-MM` → the first day of that month; anything else → `default`'s month.

    Months outside the bounds of DESIGN §15 show the first or last month within them, so
    the grid (a week either side) and its previous/next links never leave the calendar.
    """
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        return default.replace(day=1)
    return min(max(first, _FIRST_MONTH), _LAST_MONTH)


def _days(booking: Booking, tz) -> tuple[dt.date, dt.date]:
    """Check-in and check-out days in the rental's calendar."""
    return booking.start_at.astimezone(tz).date(), booking.end_at.astimezone(tz).date()


def bar_label(booking: Booking, status: str) -> str:
    """What a bar says: the guest, or why the dates are blocked (the first line of the
    notes, or the calendar feed or channel that blocked them)."""
    if status == Booking.Status.UNAVAILABLE:
        note = booking.notes.strip().split("\n")[0][:80]
        return note or (f"Blocked by {booking.source}" if booking.source else "Unavailable")
    name = booking.client.fullname if booking.client else ""
    return f"{booking.reference} · {name}" if name else booking.reference


def month_calendar(
    rental: Rental, month: dt.date, *, now: dt.datetime, include_canceled: bool = False
) -> MonthCalendar:
    tz = rental.tzinfo
    weeks = [
        Week(days=days)
        for days in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    grid_start = weeks[0].days[0]
    grid_end = weeks[-1].days[-1] + dt.timedelta(days=1)
    start_at = dt.datetime.combine(grid_start, dt.time(), tzinfo=tz)
    end_at = dt.datetime.combine(grid_end, dt.time(), tzinfo=tz)

    month_bookings = Booking.objects.filter(rental=rental, slot__isnull=True).overlapping(
        start_at, end_at
    )
    if not include_canceled:
        month_bookings = month_bookings.blocking(now)

    bookings: list[Booking] = list(
        month_bookings.select_related("client").order_by("start_at", "id")
    )
    for booking in bookings:
        check_in, check_out = _days(booking, tz)
        status = booking.status_at(now)
        url = reverse("admin:bookings_booking_change", args=[booking.pk])
        label = bar_label(booking, status)
        for week in weeks:
            week_start = week.days[0]
            # half-day grid lines, counted from this week's Monday morning (line 1)
            if check_out == check_in:  # within one day: the whole day
                start = 2 * (check_in - week_start).days + 1
                end = start + 2
            else:
                start = 2 * (check_in - week_start).days + 2
                end = 2 * (check_out - week_start).days + 2
            if end <= 1 or start >= 15:
                continue
            week.bars.append(
                Bar(
                    booking=booking,
                    status=status,
                    start_line=max(start, 1),
                    end_line=min(end, 15),
                    label=label,
                    continues_before=start < 1,
                    continues_after=end > 15,
                    url=url,
                    check_in=booking.start_at.astimezone(tz),
                    check_out=booking.end_at.astimezone(tz),
                )
            )

    slots = list(slots_in_window(rentals=[rental], start_at=start_at, end_at=end_at, now=now))
    for slot in slots:
        for week in weeks:
            drawn = slot_bar(slot, tz, week.days[0], 15, now)
            if drawn is not None:
                week.slots.append(drawn)

    return MonthCalendar(
        rental=rental,
        month=month,
        today=now.astimezone(tz).date(),
        weeks=weeks,
        previous_month=(month - dt.timedelta(days=1)).replace(day=1),
        next_month=(month + dt.timedelta(days=32)).replace(day=1),
        include_canceled=include_canceled,
        booking_count=len(bookings),
        slot_count=len(slots),
    )
