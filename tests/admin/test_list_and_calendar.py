"""The bookings list (columns, filters, search, date hierarchy), the calendar page, and
query counts that do not grow with the number of rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, Client
from bookings.services import booking_cancel

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:bookings_booking_changelist")


def listed_references(response) -> list[str]:
    return [booking.reference for booking in response.context["cl"].result_list]


def queries_for(client, url, params=None) -> int:
    client.get(url, params)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


def test_the_list_shows_the_columns_a_manager_needs(manager_client, rental, guest, make_booking):
    booking = make_booking(rental, start=10, nights=3, client=guest, final_price="500")
    html = manager_client.get(LIST_URL).content.decode()
    local_in = booking.start_at.astimezone(rental.tzinfo)
    for text in (
        booking.reference,
        rental.name,
        guest.fullname,
        f"{local_in:%a} {local_in.day} {local_in:%b}",
        f"{local_in:%H:%M}",
        "500.00 €",
        "Booked",
        f"/admin/rentals/rental/{rental.pk}/calendar/?month={local_in:%Y-%m}",
    ):
        assert text in html, text
    cells = re.findall(r'<td class="field-nights">(\d+)</td>', html)
    assert cells == ["3"]


def test_an_expired_hold_is_listed_as_canceled(manager_client, rental, day):
    Booking.objects.create(
        account=rental.account,
        rental=rental,
        status=Booking.Status.TENTATIVE,
        tentative_expires_at=day(-1),
        start_at=day(5, 16),
        end_at=day(7, 10),
    )
    html = manager_client.get(LIST_URL, {"status": "any"}).content.decode()
    assert 'class="booking-status status-canceled">Canceled<' in html
    assert "status-tentative" not in html.split("</thead>")[1]


def test_the_status_filter_uses_the_effective_status(manager_client, rental, make_booking, day):
    live = make_booking(rental, start=10, tentative_expires_at=day(3))
    expired = Booking.objects.create(
        account=rental.account,
        rental=rental,
        status=Booking.Status.TENTATIVE,
        tentative_expires_at=day(-1),
        start_at=day(40, 16),
        end_at=day(42, 10),
    )
    booked = make_booking(rental, start=20)
    tentative = manager_client.get(LIST_URL, {"status": "tentative"})
    assert listed_references(tentative) == [live.reference]
    canceled = manager_client.get(LIST_URL, {"status": "canceled"})
    assert listed_references(canceled) == [expired.reference]
    assert listed_references(manager_client.get(LIST_URL, {"status": "booked"})) == [
        booked.reference
    ]


def test_the_rental_filter_lists_only_the_accounts_rentals(
    manager_client, rental, make_rental, other_account, make_booking
):
    second = make_rental(rental.account, name="Mountain Hut")
    make_rental(other_account, name="Their Villa")
    in_second = make_booking(second)
    make_booking(rental)
    response = manager_client.get(LIST_URL, {"rental__id__exact": second.pk})
    assert listed_references(response) == [in_second.reference]
    html = response.content.decode()
    assert "Mountain Hut" in html and "Their Villa" not in html


@pytest.mark.parametrize("how", ["reference", "lower-case reference", "external", "name", "email"])
def test_search_finds_a_booking_by(manager_client, rental, make_booking, how):
    ada = Client.objects.create(
        account=rental.account, fullname="Ada Lovelace", emails=["ada@analytical.example"]
    )
    target = make_booking(rental, start=10, client=ada, external_reference="AIRBNB-77")
    make_booking(rental, start=20)
    term = {
        "reference": target.reference,
        "lower-case reference": target.reference.lower(),
        "external": "AIRBNB-77",
        "name": "lovelace",
        "email": "analytical.example",
    }[how]
    assert listed_references(manager_client.get(LIST_URL, {"q": term})) == [target.reference]


def test_search_does_not_find_another_accounts_client(
    manager_client, other_account, make_rental, make_booking
):
    stranger = Client.objects.create(account=other_account, fullname="Ada Stranger")
    make_booking(make_rental(other_account), client=stranger)
    assert listed_references(manager_client.get(LIST_URL, {"q": "Ada"})) == []


def test_the_date_hierarchy_offers_years_then_months_without_scanning(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=10)
    year = booking.start_at.year
    html = manager_client.get(LIST_URL).content.decode()
    assert f"?start_at__year={year}" in html
    months = manager_client.get(LIST_URL, {"start_at__year": year})
    assert f"start_at__month={booking.start_at.month}" in months.content.decode()
    assert listed_references(months) == [booking.reference]
    empty = manager_client.get(LIST_URL, {"start_at__year": year - 3})
    assert listed_references(empty) == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "booked"},
        {"q": "Lovelace"},
        {"q": "00000A"},
        {"start_at__year": "2031"},
    ],
    ids=["unfiltered", "status", "search-name", "search-reference", "year"],
)
def test_the_list_runs_the_same_queries_for_5_or_40_bookings(
    manager_client, rental, make_rental, guest, make_booking, params
):
    other = make_rental(rental.account)
    for start in range(0, 5 * 4, 4):
        make_booking(rental, start=start, nights=2, client=guest)
    few = queries_for(manager_client, LIST_URL, params)
    for start in range(100, 100 + 35 * 4, 4):
        make_booking(rental if start % 8 else other, start=start, nights=2, client=guest)
    assert Booking.objects.count() == 40
    assert queries_for(manager_client, LIST_URL, params) == few


def test_the_calendar_draws_the_months_bookings_as_links(manager_client, rental, make_booking):
    guest = Client.objects.create(account=rental.account, fullname="Marie Curie")
    booking = make_booking(rental, start=10, nights=3, client=guest)
    month = booking.start_at.astimezone(rental.tzinfo)
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    html = manager_client.get(url, {"month": f"{month:%Y-%m}"}).content.decode()
    change = reverse("admin:bookings_booking_change", args=[booking.pk])
    bar = re.search(rf'<a class="cal-bar status-booked[^"]*"[^>]*href="{change}"', html)
    assert bar, html
    assert f'data-reference="{booking.reference}"' in html and "Marie Curie" in html
    assert f"month={(month.replace(day=1) - dt.timedelta(days=1)):%Y-%m}" in html  # previous


def test_the_calendar_hides_canceled_stays_unless_asked(manager_client, rental, make_booking):
    from bookings.services import booking_cancel

    booking = booking_cancel(booking=make_booking(rental, start=10))
    month = f"{booking.start_at.astimezone(rental.tzinfo):%Y-%m}"
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    assert booking.reference not in manager_client.get(url, {"month": month}).content.decode()
    shown = manager_client.get(url, {"month": month, "canceled": "1"}).content.decode()
    assert f'data-reference="{booking.reference}" data-status="canceled"' in shown


def test_a_stay_across_weeks_is_drawn_in_each_week(manager_client, rental, make_booking):
    booking = make_booking(rental, start=10, nights=12)
    month = f"{booking.start_at.astimezone(rental.tzinfo):%Y-%m}"
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    grid = manager_client.get(url, {"month": month}).context["calendar"]
    bars = [bar for week in grid.weeks for bar in week.bars]
    half_days = sum(bar.end_line - bar.start_line for bar in bars)
    assert half_days == 24 or bars[-1].continues_after
    assert bars[0].continues_after and bars[1].continues_before


def test_the_calendar_uses_one_query_for_the_month(manager_client, rental, make_booking):
    make_booking(rental, start=10)
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    month = {"month": f"{rental_now_month(rental)}"}
    few = queries_for(manager_client, url, month)
    for start in range(14, 40, 3):
        make_booking(rental, start=start, nights=2)
    assert queries_for(manager_client, url, month) == few
    with CaptureQueriesContext(connection) as captured:
        manager_client.get(url, month)
    sqls = [q["sql"] for q in captured.captured_queries]
    slot_queries = [sql for sql in sqls if 'FROM "slots_slot"' in sql]
    booking_queries = [sql for sql in sqls if "bookings_booking" in sql and sql not in slot_queries]
    assert (len(booking_queries), len(slot_queries)) == (1, 1)


def rental_now_month(rental) -> str:
    from django.utils import timezone

    return f"{(timezone.now() + dt.timedelta(days=12)).astimezone(rental.tzinfo):%Y-%m}"


def test_the_calendar_is_linked_from_the_rental_page(manager_client, rental):
    html = manager_client.get(
        reverse("admin:rentals_rental_change", args=[rental.pk])
    ).content.decode()
    assert reverse("admin:rentals_rental_calendar", args=[rental.pk]) in html


def test_a_bad_month_falls_back_to_this_month(manager_client, rental):
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    assert manager_client.get(url, {"month": "2025-13"}).status_code == 200


def test_the_client_page_lists_their_bookings(manager_client, rental, guest, make_booking):
    booking = make_booking(rental, client=guest)
    html = manager_client.get(
        reverse("admin:bookings_client_change", args=[guest.pk])
    ).content.decode()
    assert booking.reference in html


def test_the_rental_page_lists_upcoming_bookings(manager_client, rental, make_booking):
    booking = make_booking(rental)
    html = manager_client.get(
        reverse("admin:rentals_rental_change", args=[rental.pk])
    ).content.decode()
    assert booking.reference in html


def test_the_list_opens_on_upcoming_live_stays_the_next_arrival_first(
    manager_client, rental, make_booking
):
    past = make_booking(rental, start=-20, nights=3)
    later = make_booking(rental, start=30)
    sooner = make_booking(rental, start=5)
    canceled = make_booking(rental, start=10)
    booking_cancel(booking=canceled, reason="no_show")
    assert listed_references(manager_client.get(LIST_URL)) == [sooner.reference, later.reference]
    everything = manager_client.get(LIST_URL, {"status": "any", "when": "all"})
    assert set(listed_references(everything)) == {
        past.reference, later.reference, sooner.reference, canceled.reference
    }  # fmt: skip
    assert listed_references(manager_client.get(LIST_URL, {"when": "past"})) == [past.reference]
    # a search looks through the whole history
    assert listed_references(manager_client.get(LIST_URL, {"q": past.reference})) == [
        past.reference
    ]


def test_a_stay_that_began_long_ago_and_is_not_over_opens_the_list(
    manager_client, make_rental, account, rental, make_booking
):
    # "Not over yet" is read from start_at upwards, bounded by the longest stay stored
    # (BookingQuerySet.ending_after): a stay far longer than the others still shows.
    other = make_rental(account, name="Long Let")
    long_stay = make_booking(other, start=-400, nights=430)
    current = make_booking(rental, start=-2, nights=5)
    next_arrival = make_booking(rental, start=4)
    make_booking(rental, start=-10, nights=3)  # over
    assert listed_references(manager_client.get(LIST_URL)) == [
        long_stay.reference, current.reference, next_arrival.reference
    ]  # fmt: skip


def test_a_canceled_booking_has_nothing_left_to_collect(manager_client, rental, make_booking):
    booking = make_booking(rental, start=5, final_price="300")
    booking_cancel(booking=booking, reason="no_show")
    html = manager_client.get(LIST_URL, {"status": "canceled"}).content.decode()
    assert re.search(r'<td class="field-left_to_collect">—</td>', html)
    assert "300.00 €" in html  # the price stays readable as history


def test_a_hold_shows_its_badge_whole_and_its_expiry_beside_it(
    manager_client, rental, make_booking, day
):
    make_booking(rental, start=5, tentative_expires_at=day(2))
    html = manager_client.get(LIST_URL).content.decode()
    assert '<span class="booking-status status-tentative">Tentative</span><br>' in html
    assert 'class="hold-until nowrap">until ' in html


def test_the_desk_filters_list_todays_arrivals_and_lapsing_holds(
    manager_client, make_rental, account, now
):
    from tests.factories import booking_create

    # Kiritimati is UTC+14: its "today" is not the server's UTC day half the time
    far_east = make_rental(account, name="Line Islands Hut", timezone="Pacific/Kiritimati")
    local_today = now.astimezone(far_east.tzinfo).date()
    arriving = booking_create(
        rental=far_east,
        data={"booked": True, "start_at": local_today, "end_at": local_today + dt.timedelta(3)},
    )
    booking_create(
        rental=far_east,
        data={
            "booked": True,
            "start_at": local_today + dt.timedelta(days=5),
            "end_at": local_today + dt.timedelta(days=6),
        },
    )
    response = manager_client.get(LIST_URL, {"desk": "arrivals"})
    assert listed_references(response) == [arriving.reference]
    assert listed_references(manager_client.get(LIST_URL, {"desk": "departures"})) == []


def test_the_calendar_draws_the_check_out_morning_so_a_changeover_shows(
    manager_client, rental, make_booking, now
):
    today = now.astimezone(rental.tzinfo).date()
    monday = today + dt.timedelta(days=14 - today.weekday())
    leaving = make_booking(rental, start_at=monday, end_at=monday + dt.timedelta(2))
    arriving = make_booking(
        rental, start_at=monday + dt.timedelta(2), end_at=monday + dt.timedelta(4)
    )
    after_a_free_night = make_booking(
        rental, start_at=monday + dt.timedelta(5), end_at=monday + dt.timedelta(6)
    )
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    grid = manager_client.get(url, {"month": f"{monday:%Y-%m}"}).context["calendar"]
    week = next(week for week in grid.weeks if week.days[0] == monday)
    lines = {bar.booking.pk: (bar.start_line, bar.end_line) for bar in week.bars}
    assert lines[leaving.pk] == (2, 6)  # Monday afternoon to Wednesday morning
    assert lines[arriving.pk] == (6, 10)  # Wednesday afternoon: the same day, side by side
    assert lines[after_a_free_night.pk] == (12, 14)  # Friday night free: a gap shows


def test_the_calendar_says_why_dates_are_blocked(manager_client, rental, make_booking):
    blocked = make_booking(rental, start=10, unavailable=True, notes="Owner's week")
    by_feed = make_booking(rental, start=14, unavailable=True, source="Vrbo")
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    for booking, text in ((blocked, "Owner's week"), (by_feed, "Blocked by Vrbo")):
        month = f"{booking.start_at.astimezone(rental.tzinfo):%Y-%m}"
        html = manager_client.get(url, {"month": month}).content.decode()
        assert text.replace("'", "&#x27;") in html


def test_canceled_bars_are_readable_dark_on_pale(manager_client, rental, make_booking):
    booking = make_booking(rental, start=10)
    booking_cancel(booking=booking, reason="no_show")
    month = f"{booking.start_at.astimezone(rental.tzinfo):%Y-%m}"
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    html = manager_client.get(url, {"month": month, "canceled": "1"}).content.decode()
    assert "cal-bar status-canceled" in html
    assert "status-canceled { background: #c62828; opacity" not in html
