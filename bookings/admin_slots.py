"""A slot drawn on the admin's half-day grids (the planning board, a rental's month
calendar): a bar over its window saying how full it is (booked/capacity), told apart
from stays by its look (outlined, not filled) and its class (`board-slot`, `cal-slot`).

Grid lines count half-days from the first day's morning (line 1). A slot covers the
halves its window touches in the rental's time zone: 09:00–10:00 fills that morning,
14:00–18:00 that afternoon, 10:00–15:00 the whole day. Its bookings have its times and
are counted in its bar rather than drawn as stays: up to `capacity` of them share the
window by design. The bar links to them (the bookings list filtered by the slot).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse

NOON = dt.time(12)
# A slot's status is one of a closed set (a CHECK constraint): written from these only.
STATUS_TITLES = {"active": " · Active", "disabled": " · Disabled"}
STATUS_CLASSES = {"active": "slot-active", "disabled": "slot-disabled"}
_JUST_BEFORE = dt.timedelta(microseconds=1)


def _half(moment: dt.datetime, first: dt.date) -> int:
    """The half-day of `moment` (local), 0 for `first`'s morning."""
    return 2 * (moment.date() - first).days + (0 if moment.time() < NOON else 1)


def slot_lines(start: dt.datetime, end: dt.datetime, first: dt.date) -> tuple[int, int]:
    """Grid lines of the half-days `[start, end)` touches (local times)."""
    return _half(start, first) + 1, _half(end - _JUST_BEFORE, first) + 2


def slot_bookings_url(slot_id: int) -> str:
    """The bookings list showing the slot's bookings (the live ones: those it counts)."""
    query = urlencode({"slot__id__exact": slot_id, "when": "all"})
    return f"{reverse('admin:bookings_booking_changelist')}?{query}"


@dataclass
class SlotBar:
    slot_id: int
    status: str  # active | disabled
    start_line: int
    end_line: int
    continues_before: bool
    continues_after: bool
    start: dt.datetime  # local to the rental
    end: dt.datetime
    capacity: int
    booked: int  # its active bookings
    locked_until: dt.datetime | None  # local; None when not locked now
    lane: int = 1

    @property
    def url(self) -> str:
        return slot_bookings_url(self.slot_id)

    @property
    def full(self) -> bool:
        return self.booked >= self.capacity

    @property
    def count(self) -> str:
        return f"{self.booked}/{self.capacity}"

    @property
    def label(self) -> str:
        """The board's: a half-day there can be 20 px wide, so the count alone (the
        times are in the title)."""
        return self.count + (" 🔒" if self.locked_until else "")

    @property
    def long_label(self) -> str:
        """The calendar's, whose half-days are wider (it may wrap after the count)."""
        return f"{self.count} · {self.start:%H:%M}" + (" 🔒" if self.locked_until else "")

    @property
    def title(self) -> str:
        """Numbers, times and a status of a closed set: nothing to escape. Times are
        sliced from isoformat: strftime cost a third of the board's slot rendering."""
        start = self.start.isoformat(" ", "minutes")[:16]
        end = self.end.isoformat(" ", "minutes")[:16]
        if end[:10] == start[:10]:
            end = end[11:]
        title = f"Slot {start} → {end} · {self.count} booked"
        if self.full:
            title += " (full)"
        title += STATUS_TITLES.get(self.status, "")
        if self.locked_until:
            title += f" · locked until {self.locked_until.isoformat(' ', 'minutes')[:16]}"
        return title

    @property
    def state_classes(self) -> str:
        """The states the CSS draws, after the grid's own class (`board-slot`, `cal-slot`)."""
        classes = STATUS_CLASSES.get(self.status, "slot-unknown")
        if self.booked >= self.capacity:
            classes += " full"
        if self.locked_until is not None:
            classes += " locked"
        if self.continues_before:
            classes += " continues-before"
        if self.continues_after:
            classes += " continues-after"
        return classes


def slot_bar(
    slot, tz: ZoneInfo, first: dt.date, last_line: int, now: dt.datetime
) -> SlotBar | None:
    """`slot` is a row of slots.selectors.slots_in_window; None when outside the grid
    (`last_line`: the line after its last half-day)."""
    start, end = slot.start_at.astimezone(tz), slot.end_at.astimezone(tz)
    start_line, end_line = slot_lines(start, end, first)
    if end_line <= 1 or start_line >= last_line:
        return None
    locked = slot.lock_until is not None and slot.lock_until > now
    return SlotBar(
        slot_id=slot.id,
        status=slot.status,
        start_line=max(start_line, 1),
        end_line=min(end_line, last_line),
        continues_before=start_line < 1,
        continues_after=end_line > last_line,
        start=start,
        end=end,
        capacity=slot.capacity,
        booked=slot.booked,
        locked_until=slot.lock_until.astimezone(tz) if locked else None,
    )


def assign_slot_lanes(bars: list[SlotBar], first_lane: int) -> int:
    """Lanes from `first_lane` on, so slots sharing a half-day sit one above the other
    (no conflict: hourly slots of one morning do not overlap); how many lanes."""
    lane_ends: list[int] = []
    for bar in bars:  # ordered by start
        for index, end in enumerate(lane_ends):
            if bar.start_line >= end:
                lane_ends[index] = bar.end_line
                bar.lane = first_lane + index
                break
        else:
            lane_ends.append(bar.end_line)
            bar.lane = first_lane + len(lane_ends) - 1
    return len(lane_ends)
