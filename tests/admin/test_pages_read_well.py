"""The booking page, the cancel page, the add form and the client form read as a
property manager expects: local times with their zone, no raw values or stray tags,
words that fit one booking, lists as lists."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from bookings.models import Client
from bookings.services import booking_cancel

pytestmark = pytest.mark.django_db


def change_page(client, booking) -> str:
    return client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()


def test_the_booking_page_shows_instants_in_the_rentals_zone_to_the_minute(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=40, final_price="300")
    html = change_page(manager_client, booking)
    due = booking.balance_due_at.astimezone(rental.tzinfo)
    assert f"{due:%a} {due.day} {due:%b} {due.year} {due:%H:%M} (Europe/Paris)" in html
    assert "+00:00" not in html  # no raw instants
    assert not re.search(r'value="\d\d:\d\d:\d\d"', html)  # times without seconds
    assert f'value="{booking.start_at.astimezone(rental.tzinfo):%H:%M}"' in html


def test_a_canceled_booking_shows_its_cancelation_on_lines_not_a_br_tag(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=10)
    booking_cancel(booking=booking, reason="requested_by_guest", message_to_guest="Sorry")
    html = change_page(manager_client, booking)
    assert "&lt;br&gt;" not in html
    assert "Requested by guest<br>to guest: Sorry" in html
    assert "(Europe/Paris)" in html.split("Canceled at")[1][:400]


def test_the_cancel_page_of_one_booking_speaks_of_one_booking_and_says_where_messages_go(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=10)
    html = manager_client.get(
        reverse("admin:bookings_booking_cancel", args=[booking.pk])
    ).content.decode()
    assert "This booking will be canceled" in html
    assert "These bookings" not in html
    assert "Nothing is e-mailed from this page" in html


def test_the_add_form_offers_no_delete_shortcut_and_takes_dates_from_the_board(
    manager_client, rental
):
    url = reverse("admin:bookings_booking_add")
    html = manager_client.get(
        url, {"rental": rental.pk, "check_in_date": "2027-03-01", "check_out_date": "2027-03-02"}
    ).content.decode()
    assert "delete-related" not in html
    assert 'value="2027-03-01"' in html and 'value="2027-03-02"' in html
    assert f'<option value="{rental.pk}" selected>' in html


def test_a_clients_emails_and_phones_are_list_inputs(manager_client, account):
    url = reverse("admin:bookings_client_add")
    html = manager_client.get(url).content.decode()
    assert '<input type="email" name="emails"' in html
    assert '<input type="tel" name="phones"' in html
    response = manager_client.post(
        url,
        {
            "fullname": "Grace Hopper",
            "emails": ["grace@example.com", "", "g@navy.example", "grace@example.com"],
            "phones": ["+1 555 0100"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.get(fullname="Grace Hopper")
    assert client.emails == ["grace@example.com", "g@navy.example"]
    assert client.phones == ["+1 555 0100"]
    edit = manager_client.get(reverse("admin:bookings_client_change", args=[client.pk]))
    assert 'value="g@navy.example"' in edit.content.decode()


@pytest.mark.parametrize(
    "emails, error",
    [
        (["not-an-address"], "Enter a valid email address."),
        ([f"a{i}@x.example" for i in range(101)], "At most 100 entries."),
        (["a" * 300 + "@x.example"], "at most 254 characters"),
    ],
)
def test_bad_client_lists_are_form_errors(manager_client, account, emails, error):
    response = manager_client.post(
        reverse("admin:bookings_client_add"), {"fullname": "X", "emails": emails}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
