"""Slots on the planning board and a rental's month calendar (bookings/admin_slots.py):
an outlined bar over the half-days of its hours with booked/capacity, its bookings counted
in it rather than drawn as stays, and one slot query per page whatever its size."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.admin_slots import slot_lines
from bookings.inputs import BookingInput
from bookings.models import Booking
from bookings.services import booking_cancel, booking_create
from events.actors import Actor
from slots.services import slot_create, slot_disable, slot_lock

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
BOARD_URL = reverse("admin:bookings_booking_board")


@pytest.fixture
def first(rental, now) -> dt.date:
    """The board's first day: a week ahead, in the rental's calendar."""
    return now.astimezone(rental.tzinfo).date() + dt.timedelta(days=7)


def local(rental, day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=rental.tzinfo) + dt.timedelta(hours=hour)


def make_slot(rental, day: dt.date, start: float, end: float, **fields):
    return slot_create(
        rental=rental, start_at=local(rental, day, start), end_at=local(rental, day, end),
        actor=ACTOR, **fields,
    )  # fmt: skip


def book(rental, slot) -> Booking:
    return booking_create(
        rental=rental, booking_input=BookingInput(status="booked"), actor=ACTOR, slot_id=slot.pk
    )


def slot_html(html: str, slot) -> str:
    match = re.search(
        rf'<a class="(board|cal)-slot[^"]*"[^>]*data-slot="{slot.pk}"[^>]*>.*?</a>', html
    )
    assert match, f"no bar for slot {slot.pk}"
    return match.group(0)


def test_half_day_lines_of_a_slot():
    day = dt.date(2030, 1, 7)

    def at(hour: int, days: int = 0) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour))

    assert slot_lines(at(9), at(10), day) == (1, 2)  # the morning
    assert slot_lines(at(14), at(18), day) == (2, 3)  # the afternoon
    assert slot_lines(at(10), at(15), day) == (1, 3)  # the whole day
    assert slot_lines(at(9), at(12), day) == (1, 2)  # ending at noon: the morning only
    assert slot_lines(at(20), at(0, days=1), day) == (2, 3)  # ending at midnight
    assert slot_lines(at(20), at(9, days=2), day + dt.timedelta(days=1)) == (0, 4)


def test_a_slot_is_an_outlined_bar_counting_its_bookings_not_a_stay(
    manager_client, rental, make_booking, first
):
    slot = make_slot(rental, first + dt.timedelta(days=2), 9, 10, capacity=3)
    taken = [book(rental, slot), book(rental, slot)]
    booking_cancel(booking=book(rental, slot), actor=ACTOR)  # history: not counted
    stay = make_booking(rental, start=20, nights=2)
    html = manager_client.get(BOARD_URL, {"start": first.isoformat()}).content.decode()
    bar = slot_html(html, slot)
    assert 'class="board-slot slot-active"' in bar
    assert bar.endswith(">2/3</a>")  # booked/capacity, the bar's own text
    # the morning of the third day, in the lane below the stays'
    assert "grid-column: 5 / 6; grid-row: 2" in bar
    assert "Slot 20" in bar and " 09:00 → 10:00 · 2/3 booked" in bar and "(Europe/Paris)" in bar
    for booking in taken:  # counted in the slot, not drawn as stays of their own
        assert f'data-reference="{booking.reference}"' not in html
    assert re.search(
        rf'<a class="board-bar status-booked"[^>]*data-reference="{stay.reference}"', html
    )

    listed = manager_client.get(re.search(r'href="([^"]+)"', bar).group(1).replace("&amp;", "&"))
    shown = {booking.reference for booking in listed.context["cl"].result_list}
    assert shown == {booking.reference for booking in taken}


def test_full_disabled_afternoon_and_whole_day_slots(manager_client, rental, first):
    day = first + dt.timedelta(days=1)
    full = make_slot(rental, day, 8, 9, capacity=1)
    book(rental, full)
    morning = make_slot(rental, day, 9, 10)
    afternoon = make_slot(rental, day, 14, 16)
    disabled = slot_disable(
        slot=make_slot(rental, first + dt.timedelta(days=3), 10, 15), actor=ACTOR
    )
    html = manager_client.get(BOARD_URL, {"start": first.isoformat(), "days": 7}).content.decode()
    assert 'class="board-slot slot-active full"' in slot_html(html, full)
    assert "grid-column: 3 / 4; grid-row: 1" in slot_html(html, full)
    assert "grid-column: 3 / 4; grid-row: 2" in slot_html(html, morning)  # same half: a lane below
    assert "grid-column: 4 / 5; grid-row: 1" in slot_html(html, afternoon)
    bar = slot_html(html, disabled)
    assert 'class="board-slot slot-disabled"' in bar and "grid-column: 7 / 9" in bar
    assert "Disabled" in bar


def test_slots_sit_in_lanes_below_the_stays(manager_client, rental, make_booking, first):
    stay = make_booking(rental, start=1, nights=30)  # covers the whole window
    slot_day = stay.end_at.astimezone(rental.tzinfo).date() + dt.timedelta(days=1)
    slot = make_slot(rental, slot_day, 9, 10)
    start = slot_day - dt.timedelta(days=3)
    html = manager_client.get(BOARD_URL, {"start": start.isoformat(), "days": 7}).content.decode()
    assert "grid-row: 2" in slot_html(html, slot)
    assert "grid-template-rows: repeat(2, 1.75em)" in html


def test_one_slot_query_per_page_whatever_its_size(manager_client, account, make_rental, first):
    def queries() -> tuple[int, int]:
        params = {"start": first.isoformat()}
        manager_client.get(BOARD_URL, params)
        with CaptureQueriesContext(connection) as captured:
            html = manager_client.get(BOARD_URL, params).content.decode()
        sqls = [q["sql"] for q in captured.captured_queries]
        return len(sqls), sum('FROM "slots_slot"' in sql for sql in sqls), html.count("board-slot ")

    rental = make_rental(account)
    book(rental, make_slot(rental, first, 9, 10))
    few = queries()
    for i in range(8):
        rental = make_rental(account)
        for day in range(3):
            slot = make_slot(rental, first + dt.timedelta(days=day + i), 9, 11, capacity=2)
            book(rental, slot)
    many = queries()
    assert (few[2], many[2]) == (1, 25)  # every slot is drawn
    assert (few[:2], many[:2]) == ((few[0], 1), (few[0], 1))


def test_the_calendar_draws_the_months_slots_with_their_counts(manager_client, rental, now):
    day = now.astimezone(rental.tzinfo).date() + dt.timedelta(days=10)
    slot = make_slot(rental, day, 15, 17, capacity=4)
    booking = book(rental, slot)
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    response = manager_client.get(url, {"month": f"{day:%Y-%m}"})
    html = response.content.decode()
    bar = slot_html(html, slot)
    assert bar.startswith('<a class="cal-slot slot-active"')
    half = 2 * day.weekday() + 2  # the afternoon of its weekday (Monday morning is line 1)
    assert f"grid-column: {half} / {half + 1}" in bar
    assert "1/4 · 15:00" in bar
    assert f'data-reference="{booking.reference}"' not in html  # counted, not drawn
    assert "0 stays and 1 slot on this page" in html


def test_a_locked_slot_shows_its_lock_and_until_when(manager_client, rental, first, now):
    slot = make_slot(rental, first + dt.timedelta(days=1), 14, 16, capacity=2)
    until = (now + dt.timedelta(hours=2)).replace(second=0)
    slot_lock(slot=slot, lock_until=until, lock_key="k", actor=ACTOR)
    html = manager_client.get(BOARD_URL, {"start": first.isoformat()}).content.decode()
    bar = slot_html(html, slot)
    assert 'class="board-slot slot-active locked"' in bar
    assert bar.endswith(">0/2 &#x1F512;</a>")  # 🔒, written as an entity
    local_until = until.astimezone(rental.tzinfo).isoformat(" ", "minutes")[:16]
    assert f"· locked until {local_until} (Europe/Paris)" in bar


def test_a_slot_on_a_dst_switch_day_reads_its_local_hours(manager_client, rental):
    # Paris, 28 March 2027: at 01:00 UTC, 02:00 becomes 03:00
    def utc(hour: int) -> dt.datetime:
        return dt.datetime(2027, 3, 28, hour, tzinfo=dt.UTC)

    night = slot_create(rental=rental, start_at=utc(0), end_at=utc(2), actor=ACTOR)
    evening = slot_create(rental=rental, start_at=utc(18), end_at=utc(20), actor=ACTOR)
    html = manager_client.get(BOARD_URL, {"start": "2027-03-27", "days": 7}).content.decode()
    bar = slot_html(html, night)
    assert "Slot 2027-03-28 01:00 → 04:00 · 0/1 booked" in bar  # two hours, 3 on the clock
    assert "grid-column: 3 / 4" in bar  # the morning of the second day
    bar = slot_html(html, evening)
    assert "Slot 2027-03-28 20:00 → 22:00" in bar  # summer time
    assert "grid-column: 4 / 5" in bar
