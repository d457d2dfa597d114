"""The planning board: bars where the stays are (in half-days of the rental's calendar),
a changeover visible, scoping, bounded input, the extension point, and one booking query
per page whatever its size."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import admin_extensions
from bookings.admin_board import _assign_lanes, board_today
from bookings.admin_extensions import BoardAlert
from bookings.models import Booking
from rentals.models import Rental

pytestmark = pytest.mark.django_db

BOARD_URL = reverse("admin:bookings_booking_board")


def bar_html(html: str, reference: str) -> str:
    match = re.search(rf'<a class="board-bar[^"]*"[^>]*data-reference="{reference}"[^>]*>', html)
    assert match, f"no bar for {reference}"
    return match.group(0)


def grid_lines(html: str, reference: str) -> tuple[int, int]:
    start, end = re.search(r"grid-column: (\d+) / (\d+)", bar_html(html, reference)).groups()
    return int(start), int(end)


def test_a_stay_runs_from_the_check_in_afternoon_to_the_check_out_morning(
    manager_client, rental, guest, make_booking, now
):
    booking = make_booking(rental, start=3, nights=4, client=guest)
    first = booking.start_at.astimezone(rental.tzinfo).date() - dt.timedelta(days=1)
    html = manager_client.get(BOARD_URL, {"start": first.isoformat(), "days": 14}).content.decode()
    # day 0 is lines 1-3; check-in is day 1 (its second half starts at line 4); check-out
    # four days later is day 5, whose first half ends at line 12
    assert grid_lines(html, booking.reference) == (4, 12)
    bar = bar_html(html, booking.reference)
    assert f'href="/admin/bookings/booking/{booking.pk}/change/"' in bar
    assert "status-booked" in bar
    assert guest.fullname in html


def test_a_same_day_changeover_shows_both_stays_sharing_the_day(
    manager_client, rental, make_booking
):
    leaving = make_booking(rental, start=2, nights=3)
    arriving = make_booking(rental, start=5, nights=2)
    first = leaving.start_at.astimezone(rental.tzinfo).date()
    html = manager_client.get(BOARD_URL, {"start": first.isoformat()}).content.decode()
    leaving_lines, arriving_lines = (
        grid_lines(html, leaving.reference),
        grid_lines(html, arriving.reference),
    )
    assert leaving_lines[1] == arriving_lines[0]  # morning half / afternoon half of one day
    assert arriving_lines[0] % 2 == 0 and leaving_lines[1] - leaving_lines[0] == 6


def test_stays_crossing_the_window_edges_are_clipped_and_marked(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=2, nights=20)
    first = booking.start_at.astimezone(rental.tzinfo).date() + dt.timedelta(days=3)
    html = manager_client.get(BOARD_URL, {"start": first.isoformat(), "days": 7}).content.decode()
    assert grid_lines(html, booking.reference) == (1, 15)
    assert "continues-before continues-after" in bar_html(html, booking.reference)


def test_unavailable_shows_its_reason_and_a_feed_booking_its_source(
    manager_client, rental, make_booking
):
    blocked = make_booking(rental, start=2, nights=3, unavailable=True, notes="Roof repairs\nx")
    feed = make_booking(rental, start=8, nights=3, source="Airbnb")
    html = manager_client.get(BOARD_URL).content.decode()
    assert "Roof repairs" in html.split(f'data-reference="{blocked.reference}"')[1][:600]
    bar = bar_html(html, feed.reference)
    assert 'data-source="Airbnb"' in bar and "from-source" in bar


def test_canceled_bookings_and_expired_holds_are_not_drawn(manager_client, rental, day):
    canceled = Booking.objects.create(
        account=rental.account, rental=rental, status=Booking.Status.CANCELED,
        start_at=day(2, 16), end_at=day(4, 10),
    )  # fmt: skip
    lapsed = Booking.objects.create(
        account=rental.account, rental=rental, status=Booking.Status.TENTATIVE,
        tentative_expires_at=day(-1), start_at=day(5, 16), end_at=day(7, 10),
    )  # fmt: skip
    html = manager_client.get(BOARD_URL).content.decode()
    assert canceled.reference not in html and lapsed.reference not in html


def test_overlapping_bars_are_flagged_as_a_conflict():
    """The rules (and PostgreSQL's exclusion constraint) forbid it for blocking stays; if
    ever two overlap, the board must show it, not hide one under the other."""
    lanes, conflicts = _assign_lanes([(2, 10), (6, 14), (14, 18)])
    assert list(zip(lanes, conflicts, strict=True)) == [(1, True), (2, True), (1, False)]
    lanes, conflicts = _assign_lanes([(2, 10), (10, 14)])  # sharing a day is no conflict
    assert lanes == [1, 1] and not any(conflicts)


def test_another_accounts_rentals_never_show(
    manager_client, rental, other_account, make_rental, make_booking
):
    theirs = make_rental(other_account, name="Their Villa")
    their_booking = make_booking(theirs, start=3)
    html = manager_client.get(BOARD_URL).content.decode()
    assert rental.name in html
    assert "Their Villa" not in html and their_booking.reference not in html
    html = manager_client.get(BOARD_URL, {"rental": theirs.pk}).content.decode()
    assert "Their Villa" not in html


def test_rentals_filter_by_name_or_city_and_page(manager_client, account, make_rental):
    make_rental(account, name="Harbour Loft", city="Lisbon")
    make_rental(account, name="Dune House", city="Biarritz")
    html = manager_client.get(BOARD_URL, {"q": "lisb"}).content.decode()
    assert "Harbour Loft" in html and "Dune House" not in html
    page = manager_client.get(BOARD_URL, {"per_page": 1, "page": 2}).context["board"]
    assert [row.rental.name for row in page.rows] == ["Harbour Loft"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "garbage", "days": "999", "page": "x", "per_page": "-5"},
        {"start": "0001-01-01", "days": "7"},
        {"start": "9999-12-31"},
        {"rental": "abc", "q": "x" * 5000},
        {"page": "99999"},
    ],
)
def test_bad_parameters_fall_back_instead_of_failing(manager_client, rental, params):
    response = manager_client.get(BOARD_URL, params)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.window in (7, 14, 30, 60)
    assert dt.date(1970, 1, 1) <= board.start <= dt.date(2199, 12, 31)


def test_the_window_moves_by_its_length(manager_client, rental):
    context = manager_client.get(BOARD_URL, {"start": "2027-03-01", "days": 14}).context
    assert "start=2027-02-15" in context["previous_url"]
    assert "start=2027-03-15" in context["next_url"]
    assert "start" not in context["today_url"]


def test_today_is_the_rentals_local_day(account, make_rental):
    make_rental(account, timezone="Pacific/Kiritimati")  # UTC+14
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    rentals = list(Rental.objects.all())
    assert board_today(rentals, now) == dt.date(2026, 12, 7)


def test_one_booking_query_per_page_whatever_its_size(
    manager_client, account, make_rental, make_booking, guest
):
    def count() -> tuple[int, int]:
        manager_client.get(BOARD_URL)
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(BOARD_URL).status_code == 200
        sqls = [q["sql"] for q in captured.captured_queries if 'FROM "slots_slot"' not in q["sql"]]
        return len(sqls), sum('FROM "bookings_booking"' in sql for sql in sqls)

    make_booking(make_rental(account), start=2, client=guest)
    small = count()
    for i in range(8):
        rental = make_rental(account)
        make_booking(rental, start=2 + i, client=guest)
        make_booking(rental, start=12 + i, unavailable=True)
    assert count() == small
    assert small[1] == 1


def test_a_registered_alert_provider_flags_rows(manager_client, rental):
    def provider(rental_ids, first, after):
        return [BoardAlert(rental_id=rental_ids[0], first_day=first, after_last_day=first,
                           label="feed conflict", url="/x/")]  # fmt: skip

    admin_extensions.register_board_alerts(provider)
    try:
        html = manager_client.get(BOARD_URL).content.decode()
    finally:
        admin_extensions.board_alert_providers.remove(provider)
    assert 'class="board-alert"' in html and "feed conflict" in html


def test_the_board_is_linked_from_each_rental(manager_client, rental):
    html = manager_client.get(reverse("admin:rentals_rental_change", args=[rental.pk]))
    assert f"{BOARD_URL}?rental={rental.pk}" in html.content.decode()


def test_preparation_time_is_drawn_as_hatched_bands_beside_the_bar(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=3, nights=2, buffer_before=0, buffer_after=720)
    plain = make_booking(rental, start=8, nights=2)
    first = booking.start_at.astimezone(rental.tzinfo).date()
    html = manager_client.get(BOARD_URL, {"start": first.isoformat()}).content.decode()
    bar = re.search(rf'data-reference="{booking.reference}".*?</a>', html, re.S).group(0)
    assert '<span class="buffer buffer-after" style="--f: 0.5000">' in bar
    assert "buffer-before" not in bar
    other = re.search(rf'data-reference="{plain.reference}".*?</a>', html, re.S).group(0)
    assert "buffer" not in other.replace("board-bar", "")
