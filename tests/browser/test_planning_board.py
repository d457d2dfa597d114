"""The planning board, the desk and the bookings list in a real headless Chromium at
1280 px: bars where the stays are, a same-day changeover visible, click-through to a
booking and from an empty night to a prefilled add form, ← / → move the window; and
the screenshots of the issue (test-artifacts/board-*.png, desk-*.png, list-*.png,
booking-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec

from bookings import services
from bookings.inputs import BookingInput
from bookings.models import Client
from events.actors import Actor
from slots.services import slot_create
from tests.browser.test_admin_in_chromium import sign_in, wait
from tests.factories import booking_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_day(account, rental, make_rental, make_manager):
    """A manager's day: a changeover on the Seaside Flat today, a stay on a second rental,
    a hold lapsing tonight, an owner's block."""
    chalet = make_rental(account, name="Mountain Chalet", city="Chamonix", timezone="Europe/Paris")
    ada = Client.objects.create(account=account, fullname="Ada Lovelace")
    alan = Client.objects.create(account=account, fullname="Alan Turing")
    today = timezone.now().astimezone(rental.tzinfo).date()

    def book(on, first, nights, **data):
        data.setdefault("booked", True)
        return booking_create(
            rental=on,
            data={
                "start_at": today + dt.timedelta(first),
                "end_at": today + dt.timedelta(first + nights),
                **data,
            },
        )

    return {
        "today": today,
        "chalet": chalet,
        "leaving": book(rental, -3, 3, client_id=alan.pk),
        "arriving": book(rental, 0, 4, client_id=ada.pk, source="Airbnb"),
        "hold": book(
            chalet,
            6,
            3,
            booked=None,
            tentative_expires_at=timezone.now() + dt.timedelta(hours=6),
            client_id=ada.pk,
        ),
        "blocked": book(chalet, 1, 3, booked=None, unavailable=True, notes="Roof repairs"),
        "manager": make_manager(account),
    }


def at_width(browser, width: int = 1280) -> None:
    browser.set_window_size(width, 1000)


def full_page(browser, screenshot, name: str, width: int = 1280) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(height + 120, 700), 2600))
    screenshot(name)
    browser.set_window_size(width, 1000)


def no_horizontal_scroll(browser) -> bool:
    return browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_board_draws_stays_where_they_are_and_a_changeover_shares_the_day(
    browser, screenshot, live_server, rental, desk_day
):
    at_width(browser)
    sign_in(browser, live_server, desk_day["manager"])
    start = desk_day["today"] - dt.timedelta(days=4)
    browser.get(f"{live_server.url}/admin/bookings/booking/board/?start={start}&days=14")
    bar = {
        key: wait(
            browser,
            ec.visibility_of_element_located(
                (By.CSS_SELECTOR, f'a.board-bar[data-reference="{desk_day[key].reference}"]')
            ),
        )
        for key in ("leaving", "arriving", "hold", "blocked")
    }
    assert no_horizontal_scroll(browser)
    today_cell = browser.find_element(
        By.CSS_SELECTOR, f'.board-day[data-date="{desk_day["today"]}"]'
    )
    day_left = today_cell.location["x"]
    day_right = day_left + today_cell.size["width"]
    leaving_right = bar["leaving"].location["x"] + bar["leaving"].size["width"]
    arriving_left = bar["arriving"].location["x"]
    # Both bars touch today's column: the departure ends in its morning half, the
    # arrival starts in its afternoon half, side by side within a few pixels.
    assert day_left < leaving_right <= day_right
    assert day_left <= arriving_left < day_right
    assert abs(arriving_left - leaving_right) <= 4
    # One row per rental, bars on their rental's row
    seaside = browser.find_element(By.CSS_SELECTOR, f'.board-row[data-rental="{rental.pk}"]')
    assert bar["leaving"].location["y"] == bar["arriving"].location["y"]
    assert (
        seaside.location["y"]
        <= bar["arriving"].location["y"]
        < (seaside.location["y"] + seaside.size["height"])
    )
    assert "status-tentative" in bar["hold"].get_attribute("class")
    assert "Roof repairs" in bar["blocked"].text
    assert "Airbnb" in bar["arriving"].text
    full_page(browser, screenshot, "board-1280")

    bar["arriving"].click()
    wait(browser, ec.url_contains(f"/admin/bookings/booking/{desk_day['arriving'].pk}/change/"))
    full_page(browser, screenshot, "booking-1280")
    assert no_horizontal_scroll(browser)


def test_a_slot_is_an_outlined_bar_with_its_count_below_the_stays(
    browser, screenshot, live_server, desk_day
):
    chalet, actor = desk_day["chalet"], Actor.system("test")
    day = desk_day["today"] + dt.timedelta(days=5)  # between the chalet's block and hold
    begin = dt.datetime.combine(day, dt.time(9), tzinfo=chalet.tzinfo)
    slot = slot_create(
        rental=chalet, start_at=begin, end_at=begin + dt.timedelta(hours=1), capacity=2, actor=actor
    )
    taken = services.booking_create(
        rental=chalet, booking_input=BookingInput(status="booked"), actor=actor, slot_id=slot.pk
    )
    afternoon = begin + dt.timedelta(hours=6)
    full = slot_create(
        rental=chalet, start_at=afternoon, end_at=afternoon + dt.timedelta(hours=1), actor=actor
    )
    services.booking_create(
        rental=chalet, booking_input=BookingInput(status="booked"), actor=actor, slot_id=full.pk
    )
    at_width(browser)
    sign_in(browser, live_server, desk_day["manager"])
    start = desk_day["today"] - dt.timedelta(days=4)
    browser.get(f"{live_server.url}/admin/bookings/booking/board/?start={start}&days=14")
    bar = wait(
        browser,
        ec.visibility_of_element_located((By.CSS_SELECTOR, f'a.board-slot[data-slot="{slot.pk}"]')),
    )
    assert bar.text == "1/2"
    assert browser.execute_script(  # whole, on a half-day's width
        "return arguments[0].scrollWidth <= arguments[0].clientWidth", bar
    )
    cell = browser.find_element(By.CSS_SELECTOR, f'.board-day[data-date="{day}"]')
    left, half = cell.location["x"], cell.size["width"] / 2
    # within the morning half of its day
    assert (
        left - 2 <= bar.location["x"] and bar.location["x"] + bar.size["width"] <= left + half + 2
    )
    hold = browser.find_element(
        By.CSS_SELECTOR, f'a.board-bar[data-reference="{desk_day["hold"].reference}"]'
    )
    row = browser.find_element(By.CSS_SELECTOR, f'.board-row[data-rental="{chalet.pk}"]')
    # on its rental's row, in the lane below the stays
    assert hold.location["y"] < bar.location["y"] < row.location["y"] + row.size["height"]
    # told apart from a stay: outlined with a dashed border, not filled with a status colour
    assert bar.value_of_css_property("border-top-style") == "dashed"
    assert bar.value_of_css_property("background-color") != hold.value_of_css_property(
        "background-color"
    )
    # a full one is solid, in the afternoon half beside it
    on_board = browser.find_element(By.CSS_SELECTOR, f'a.board-slot[data-slot="{full.pk}"]')
    assert on_board.text == "1/1"
    assert on_board.value_of_css_property("border-top-style") == "solid"
    assert left + half - 2 <= on_board.location["x"] < left + 2 * half
    full_page(browser, screenshot, "board-slots-1280")

    bar.click()
    wait(browser, ec.url_contains(f"slot__id__exact={slot.pk}"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1 and taken.reference in rows[0].text

    # The rental's month calendar draws it too, with its hours.
    browser.get(f"{live_server.url}/admin/rentals/rental/{chalet.pk}/calendar/?month={day:%Y-%m}")
    on_calendar = wait(
        browser,
        ec.visibility_of_element_located((By.CSS_SELECTOR, f'a.cal-slot[data-slot="{slot.pk}"]')),
    )
    assert on_calendar.text.split() == ["1/2", "·", "09:00"]  # on one line or two, whole
    assert browser.execute_script(
        "return arguments[0].scrollWidth <= arguments[0].clientWidth", on_calendar
    )
    assert on_calendar.value_of_css_property("border-top-style") == "dashed"
    full_page(browser, screenshot, "calendar-slots-1280")


def test_an_empty_night_opens_the_add_form_prefilled(browser, live_server, rental, desk_day):
    at_width(browser)
    sign_in(browser, live_server, desk_day["manager"])
    start = desk_day["today"]
    browser.get(f"{live_server.url}/admin/bookings/booking/board/?start={start}&days=14")
    track = wait(
        browser,
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, f'.board-track[data-rental="{rental.pk}"]')
        ),
    )
    night = 10  # the Seaside Flat is free ten nights from today
    width = track.size["width"]
    offset = int(width / 14 * (night + 0.5) - width / 2)  # from the track's centre
    from selenium.webdriver import ActionChains

    ActionChains(browser).move_to_element_with_offset(track, offset, 0).click().perform()
    wait(browser, ec.url_contains("/admin/bookings/booking/add/"))
    check_in = start + dt.timedelta(days=night)
    assert browser.find_element(By.NAME, "check_in_date").get_attribute("value") == str(check_in)
    assert browser.find_element(By.NAME, "check_out_date").get_attribute("value") == str(
        check_in + dt.timedelta(days=1)
    )
    rental_choice = browser.find_element(By.CSS_SELECTOR, ".field-rental .select2-selection")
    assert rental.name in rental_choice.text
    assert not browser.find_elements(By.CSS_SELECTOR, ".field-rental .delete-related")


def test_arrow_keys_move_the_window_and_t_comes_back(browser, live_server, desk_day):
    at_width(browser)
    sign_in(browser, live_server, desk_day["manager"])
    start = desk_day["today"]
    browser.get(f"{live_server.url}/admin/bookings/booking/board/?start={start}&days=7")
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".planning-board")))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    wait(browser, ec.url_contains(f"start={start + dt.timedelta(days=7)}"))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    wait(browser, ec.url_contains(f"start={start}"))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    wait(browser, ec.url_contains(f"start={start - dt.timedelta(days=7)}"))
    # typing in the filter box does not move the board
    search = browser.find_element(By.NAME, "q")
    search.send_keys(Keys.ARROW_LEFT)
    assert f"start={start - dt.timedelta(days=7)}" in browser.current_url


def test_the_desk_and_the_list_at_1280_px(browser, screenshot, live_server, desk_day):
    at_width(browser)
    sign_in(browser, live_server, desk_day["manager"])
    browser.get(f"{live_server.url}/admin/")
    arrivals = wait(browser, ec.visibility_of_element_located((By.ID, "desk-arrivals")))
    assert desk_day["arriving"].reference in arrivals.text
    departures = browser.find_element(By.ID, "desk-departures")
    assert desk_day["leaving"].reference in departures.text
    holds = browser.find_element(By.ID, "desk-holds")
    assert desk_day["hold"].reference in holds.text
    assert no_horizontal_scroll(browser)
    full_page(browser, screenshot, "desk-1280")

    holds.find_element(By.LINK_TEXT, "all 1 in the bookings list").click()
    wait(browser, ec.url_contains("desk=holds"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1 and desk_day["hold"].reference in rows[0].text

    browser.get(f"{live_server.url}/admin/bookings/booking/?status=any&when=all")
    wait(browser, ec.presence_of_element_located((By.ID, "result_list")))
    assert no_horizontal_scroll(browser)
    badge = browser.find_element(By.CSS_SELECTOR, ".booking-status.status-tentative")
    assert badge.text == "Tentative"  # whole, not cut
    assert badge.size["height"] < 30  # one line
    check_in = browser.find_element(By.CSS_SELECTOR, "td.field-check_in")
    assert check_in.size["height"] < 60  # dates on one line (the row may hold the badge)
    full_page(browser, screenshot, "list-1280")
