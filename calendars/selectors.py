"""Availability and change-over maps (DESIGN §12), for a page of rentals at a time.

One query reads every booking that may touch the pages' windows (plus one for active
slots once the slots app exists); each rental's map is then one linear pass over its
rows: a booking's occupied period becomes a range of night indexes, painted into a
bytearray in increasing priority. No per-day loop ever reaches the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Func, Q

from bookings.models import Booking
from calendars.occupancy import (
    BOOKED,
    BUFFER_FIELDS,
    CODE_BY_STATUS,
    FREE,
    MAX_BUFFER,
    PRIORITY,
    TENTATIVE,
    UNAVAILABLE,
    NightClock,
    from_micros,
    micros,
    paint,
    row_occupied_period,
)
from rentals.models import Rental
from slots.models import Slot

MAP_DAYS = 1096
TAKEN = "1"
_BOOLEAN = bytes.maketrans(b"23", b"11")


@dataclass(frozen=True)
class MapOptions:
    start_date: dt.date | None = None  # default: first day of the month, rental-local
    include_tentative: bool = True
    boolean: bool = False


@dataclass(frozen=True)
class RentalMaps:
    rental: Rental
    start_date: dt.date
    availability: str
    change_over: str
    updated_at: dt.datetime


class EpochMicros(Func):
    """A timestamp as microseconds since the epoch: an integer loads in a fraction of the
    time a timestamp takes (bench: 20,000 timestamps were most of a 100-rental page)."""

    output_field = BigIntegerField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return self.as_sql(
            compiler, connection, template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
        )

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
        return self.as_sql(
            compiler,
            connection,
            template="(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000"
            " + CAST(COALESCE(NULLIF(substr(%(expressions)s, 21, 6), ''), '0') AS INTEGER))",
        )


_MAP_TIMES = ("tentative_expires_at", "start_at", "end_at", "updated_at")


def booking_fields() -> tuple[str, ...]:
    """The booking columns a map needs."""
    return (
        "rental_id",
        "status",
        "tentative_expires_at",
        "start_at",
        "end_at",
        "updated_at",
        *BUFFER_FIELDS,
    )


def default_start_date(rental: Rental, now: dt.datetime) -> dt.date:
    return now.astimezone(NightClock.of(rental).tz).date().replace(day=1)


def active_slot_windows(
    rental_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """The windows of active slots per rental (DESIGN §12: they read `3`)."""
    windows: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    rows = Slot.objects.filter(
        rental_id__in=rental_ids, status=Slot.Status.ACTIVE, start_at__lt=end, end_at__gt=start
    ).values_list("rental_id", "start_at", "end_at")
    for rental_id, slot_start, slot_end in rows:
        windows[rental_id].append((slot_start, slot_end))
    return windows


def rental_maps(
    rentals: Sequence[Rental], *, now: dt.datetime, options: MapOptions
) -> list[RentalMaps]:
    """The availability and change-over maps of `rentals` (one account's page)."""
    if not rentals:
        return []
    starts = {
        rental.pk: options.start_date or default_start_date(rental, now) for rental in rentals
    }
    # One window in UTC that holds every rental's window: a day either side for time
    # zones and night boundaries, the widest buffer for occupied periods; the exact
    # cut happens per booking below. The change-over map also needs the night before.
    first_day = min(starts.values()) - dt.timedelta(days=3)
    last_day = max(starts.values()) + dt.timedelta(days=MAP_DAYS + 3)
    window_start = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC) - MAX_BUFFER
    window_end = dt.datetime.combine(last_day, dt.time(), tzinfo=dt.UTC) + MAX_BUFFER
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    bookings = (
        Booking.objects.filter(
            account_id=rentals[0].account_id,
            rental_id__in=list(starts),
            start_at__lt=window_end,
            end_at__gt=window_start,
        )
        # Canceled rows are read too (cheaply: their updated_at dates the map).
        .filter(Q(status__in=[*CODE_BY_STATUS, "canceled"]))
        .order_by()
        .values(
            *(name for name in booking_fields() if name not in _MAP_TIMES),
            **{f"{name}_us": EpochMicros(name) for name in _MAP_TIMES},
        )
    )
    # Plain tuples from the cursor: Django's row machinery cost more than the query.
    sql, params = bookings.query.sql_with_params()
    names = [*(name for name in booking_fields() if name not in _MAP_TIMES), *_MAP_TIMES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            rows[row["rental_id"]].append(row)
    slots = active_slot_windows(list(starts), window_start, window_end)
    return [
        _maps_for(
            rental,
            starts[rental.pk],
            rows.get(rental.pk, []),
            slots.get(rental.pk, []),
            now=now,
            options=options,
        )
        for rental in rentals
    ]


def _maps_for(
    rental: Rental,
    start_date: dt.date,
    rows: list[dict[str, Any]],
    slots: list[tuple[dt.datetime, dt.datetime]],
    *,
    now: dt.datetime,
    options: MapOptions,
) -> RentalMaps:
    clock = NightClock.of(rental)
    # Night -1 too: the change-over of the first day looks at the night before it.
    map_start = start_date - dt.timedelta(days=1)
    ranges: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    now_us = micros(now)
    latest = micros(rental.updated_at)
    for row in rows:
        if row["updated_at"] > latest:
            latest = row["updated_at"]
        code = CODE_BY_STATUS.get(row["status"])
        if code is None or (code == TENTATIVE and row["tentative_expires_at"] <= now_us):
            continue  # canceled, or an expired hold: free
        nights = clock.nights_micros(*row_occupied_period(row))
        if nights is not None:
            ranges[code].append(nights)
    for slot_start, slot_end in slots:
        nights = clock.nights(slot_start, slot_end)
        if nights is not None:
            ranges[UNAVAILABLE].append(nights)

    taken = bytearray(FREE.encode() * (MAP_DAYS + 1))
    for code in sorted(ranges, key=PRIORITY.__getitem__):
        for first, last in ranges[code]:
            paint(taken, start_date=map_start, first=first, last=last, code=code)
    change_over = _change_over(taken)
    availability = bytes(taken[1:])
    if not options.include_tentative:
        shown = bytearray(FREE.encode() * (MAP_DAYS + 1))
        for code in sorted(ranges, key=PRIORITY.__getitem__):
            if code == TENTATIVE:
                continue
            for first, last in ranges[code]:
                paint(shown, start_date=map_start, first=first, last=last, code=code)
        availability = bytes(shown[1:])
    if options.boolean:
        availability = availability.translate(_BOOLEAN)
    return RentalMaps(
        rental=rental,
        start_date=start_date,
        availability=availability.decode(),
        change_over=change_over,
        updated_at=from_micros(latest),
    )


_IS_FREE = bytes(1 if byte == ord(FREE) else 0 for byte in range(256))
_LETTERS = bytes.maketrans(bytes(range(4)), b"XOIC")


def _change_over(taken: bytearray) -> str:
    """Per day D: `I` night D free, `O` night D-1 free, `C` both, `X` neither (holds
    count as taken). `taken` starts with night D-1 of the first day.

    Each day's letter index is 2 * (night D free) + (night D-1 free); with one byte of
    0 or 1 per night, that is one big-integer sum with no carries between bytes."""
    free = bytes(taken).translate(_IS_FREE)
    tonight = int.from_bytes(free[1:], "big")
    last_night = int.from_bytes(free[:-1], "big")
    return (2 * tonight + last_night).to_bytes(MAP_DAYS, "big").translate(_LETTERS).decode()


__all__ = ["BOOKED", "MAP_DAYS", "MapOptions", "RentalMaps", "rental_maps"]
