"""A property manager's day in the admin, in a real headless Chromium: sign in, create a
booking through the form, see an overlap refused on the page, cancel a booking with the
action, and find the booking's bar on the rental's calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from bookings.models import Booking, Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "manager-password"


def wait(browser, condition, seconds: float = 15):
    return WebDriverWait(browser, seconds).until(condition)


def sign_in(browser, live_server, user) -> None:
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
    wait(browser, ec.presence_of_element_located((By.ID, "user-tools")))


def choose_autocomplete(browser, field: str, text: str) -> None:
    """Pick `text` in the admin's select2 autocomplete for `field`."""
    container = browser.find_element(By.CSS_SELECTOR, f".field-{field} .select2-selection")
    container.click()
    search = wait(
        browser, ec.visibility_of_element_located((By.CSS_SELECTOR, ".select2-search__field"))
    )
    search.send_keys(text)
    option = wait(
        browser,
        ec.element_to_be_clickable(
            (By.XPATH, f"//li[contains(@class,'select2-results__option') and text()='{text}']")
        ),
    )
    option.click()


def fill_booking(browser, live_server, *, rental, client_name, check_in: dt.date, nights: int):
    browser.get(f"{live_server.url}/admin/bookings/booking/add/")
    choose_autocomplete(browser, "rental", rental.name)
    choose_autocomplete(browser, "client", client_name)
    for name, value in (
        ("check_in_date", check_in),
        ("check_out_date", check_in + dt.timedelta(days=nights)),
    ):
        element = browser.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value.isoformat())
    browser.find_element(By.NAME, "initial_price").send_keys("420")
    browser.find_element(By.NAME, "_save").click()


def test_a_manager_books_is_refused_an_overlap_cancels_and_finds_the_calendar_bar(
    browser, screenshot, live_server, account, rental, make_manager
):
    manager = make_manager(account)
    Client.objects.create(account=account, fullname="Ada Lovelace", emails=["ada@example.com"])
    check_in = (timezone.now() + dt.timedelta(days=20)).astimezone(rental.tzinfo).date()

    sign_in(browser, live_server, manager)

    # 1. Create a booking through the form.
    fill_booking(
        browser, live_server, rental=rental, client_name="Ada Lovelace", check_in=check_in, nights=4
    )
    message = wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist")))
    assert "was added successfully" in message.text
    booking = Booking.objects.get()
    assert booking.client.fullname == "Ada Lovelace"
    assert booking.start_at.astimezone(rental.tzinfo).date() == check_in
    row = browser.find_element(By.XPATH, f"//th[contains(., '{booking.reference}')]/..")
    assert "Booked" in row.text and "Seaside Flat" in row.text
    screenshot("admin-booking-list")

    # 2. An overlapping one is refused, with the error on the page, next to check-in.
    fill_booking(
        browser,
        live_server,
        rental=rental,
        client_name="Ada Lovelace",
        check_in=check_in + dt.timedelta(days=2),
        nights=3,
    )
    error = wait(
        browser,
        ec.presence_of_element_located((By.CSS_SELECTOR, ".field-check_in_date .errorlist")),
    )
    assert error.text == f"overlaps booking {booking.reference}"
    assert browser.find_element(By.CSS_SELECTOR, ".errornote").is_displayed()
    screenshot("admin-booking-overlap-error")
    assert Booking.objects.count() == 1

    # 3. The calendar shows the booking as a bar that links to it.
    month = f"{check_in:%Y-%m}"
    browser.get(f"{live_server.url}/admin/rentals/rental/{rental.pk}/calendar/?month={month}")
    bar = wait(
        browser,
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, f'a.cal-bar[data-reference="{booking.reference}"]')
        ),
    )
    assert "status-booked" in bar.get_attribute("class")
    assert "Ada Lovelace" in bar.text
    assert bar.size["width"] > 100  # spans several day columns
    screenshot("admin-rental-calendar")
    bar.click()
    wait(browser, ec.url_contains(f"/admin/bookings/booking/{booking.pk}/change/"))

    # 4. Cancel it with the action and its intermediate page (from the list of every
    #    status, so the canceled row stays in sight afterwards).
    browser.get(f"{live_server.url}/admin/bookings/booking/?status=any")
    browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{booking.pk}"]').click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("cancel_bookings")
    browser.find_element(By.NAME, "index").click()
    wait(browser, ec.presence_of_element_located((By.ID, "confirm-cancel")))
    Select(browser.find_element(By.NAME, "reason")).select_by_value("requested_by_guest")
    browser.find_element(By.NAME, "message_to_guest").send_keys("See you next year")
    browser.find_element(By.ID, "confirm-cancel").click()
    message = wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist")))
    assert "Canceled 1 booking." in message.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELED
    assert booking.cancelation_reason == "requested_by_guest"
    row = browser.find_element(By.XPATH, f"//th[contains(., '{booking.reference}')]/..")
    assert "Canceled" in row.text

    # The canceled booking opens read-only.
    browser.get(f"{live_server.url}/admin/bookings/booking/{booking.pk}/change/")
    assert not browser.find_elements(By.NAME, "_save")
