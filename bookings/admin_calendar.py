"""The month grid of one rental's bookings, as the admin calendar page draws it.

Days are the rental's local calendar days. A stay is drawn over its nights, from the
check-in day up to the day before check-out, so a departure and an arrival on the same
day sit side by side. All the month's bookings come from one query.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse

from bookings.models import Booking
from core.timeparse import MAX_INSTANT, MIN_INSTANT
from rentals.models import Rental


@dataclass
class Bar:
    booking: Booking
    status: str
    column: int  # 1 = Monday
    span: int
    continues_before: bool
    continues_after: bool
    url: str
    check_in: dt.datetime
    check_out: dt.datetime


@dataclass
class Week:
    days: list[dt.date]
    bars: list[Bar] = field(default_factory=list)


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


def _nights(booking: Booking, tz) -> tuple[dt.date, dt.date]:
    """First night and the day after the last night, in the rental's calendar."""
    first = booking.start_at.astimezone(tz).date()
    after = booking.end_at.astimezone(tz).date()
    return first, max(after, first + dt.timedelta(days=1))


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

    month_bookings = Booking.objects.filter(rental=rental).overlapping(start_at, end_at)
    if not include_canceled:
        month_bookings = month_bookings.blocking(now)

    bookings: list[Booking] = list(
        month_bookings.select_related("client").order_by("start_at", "id")
    )
    for booking in bookings:
        first, after = _nights(booking, tz)
        status = booking.status_at(now)
        url = reverse("admin:bookings_booking_change", args=[booking.pk])
        for week in weeks:
            week_start, week_end = week.days[0], week.days[-1] + dt.timedelta(days=1)
            start, end = max(first, week_start), min(after, week_end)
            if start >= end:
                continue
            week.bars.append(
                Bar(
                    booking=booking,
                    status=status,
                    column=(start - week_start).days + 1,
                    span=(end - start).days,
                    continues_before=first < week_start,
                    continues_after=after > week_end,
                    url=url,
                    check_in=booking.start_at.astimezone(tz),
                    check_out=booking.end_at.astimezone(tz),
                )
            )

    return MonthCalendar(
        rental=rental,
        month=month,
        today=now.astimezone(tz).date(),
        weeks=weeks,
        previous_month=(month - dt.timedelta(days=1)).replace(day=1),
        next_month=(month + dt.timedelta(days=32)).replace(day=1),
        include_canceled=include_canceled,
        booking_count=len(bookings),
    )
