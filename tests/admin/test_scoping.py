"""A property manager sees and changes only their own account's objects in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from bookings.models import Client
from rentals.models import Rental, Tax

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_account, make_rental, make_booking):
    """Another agency's rental, client and booking."""
    rental = make_rental(other_account, name="Their Chalet")
    client = Client.objects.create(account=other_account, fullname="Grace Hopper")
    booking = make_booking(rental, client=client, external_reference="THEIRS-1")
    return rental, client, booking


def test_a_manager_without_model_permissions_can_use_the_admin(manager_client):
    response = manager_client.get(reverse("admin:index"))
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("Bookings", "Rentals", "Clients", "Applications", "Taxes"):
        assert section in page
    assert "Users" not in page  # user and account management stays with superusers
    assert manager_client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_lists_show_only_the_managers_account(manager_client, rental, guest, make_booking, theirs):
    mine = make_booking(rental, client=guest)
    their_rental, their_client, their_booking = theirs

    bookings = manager_client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert mine.reference in bookings
    assert their_booking.reference not in bookings
    rentals = manager_client.get(reverse("admin:rentals_rental_changelist")).content.decode()
    assert rental.name in rentals and their_rental.name not in rentals
    clients = manager_client.get(reverse("admin:bookings_client_changelist")).content.decode()
    assert guest.fullname in clients and their_client.fullname not in clients


@pytest.mark.parametrize(
    ("url_name", "index"),
    [
        ("admin:bookings_booking_change", 2),
        ("admin:bookings_booking_cancel", 2),
        ("admin:bookings_booking_history", 2),
        ("admin:rentals_rental_change", 0),
        ("admin:rentals_rental_calendar", 0),
        ("admin:rentals_rental_delete", 0),
        ("admin:bookings_client_change", 1),
    ],
)
def test_another_accounts_id_in_the_url_is_a_404(manager_client, theirs, url_name, index):
    response = manager_client.get(reverse(url_name, args=[theirs[index].pk]))
    assert response.status_code == 404


def test_an_id_that_does_not_exist_is_a_404_too(manager_client):
    response = manager_client.get(reverse("admin:bookings_booking_change", args=[999999]))
    assert response.status_code == 404


def test_posting_to_another_accounts_booking_changes_nothing(manager_client, theirs):
    booking = theirs[2]
    url = reverse("admin:bookings_booking_change", args=[booking.pk])
    response = manager_client.post(url, {"notes": "hijacked"})
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.notes == ""


def test_rental_and_client_choices_are_limited_to_the_account(
    manager_client, rental, guest, theirs
):
    url = reverse("admin:autocomplete")
    common = {"app_label": "bookings", "model_name": "booking"}
    rentals = manager_client.get(url, {**common, "field_name": "rental", "term": ""}).json()
    assert [r["id"] for r in rentals["results"]] == [str(rental.pk)]
    clients = manager_client.get(url, {**common, "field_name": "client", "term": ""}).json()
    assert [c["id"] for c in clients["results"]] == [str(guest.pk)]

    form = manager_client.get(reverse("admin:bookings_booking_add")).context["adminform"].form
    assert list(form.fields["rental"].queryset) == [rental]
    assert list(form.fields["client"].queryset) == [guest]


def test_an_application_offers_only_the_accounts_users(
    manager_client, account, other_account, make_application
):
    stranger = User.objects.create_user(username="stranger", account=other_account)
    mine = make_application(account, name="Mine")
    theirs = make_application(other_account, name="Theirs")
    listing = manager_client.get(reverse("admin:accounts_application_changelist")).content
    assert b"Mine" in listing and b"Theirs" not in listing
    response = manager_client.get(reverse("admin:accounts_application_change", args=[mine.pk]))
    users = list(response.context["adminform"].form.fields["user"].queryset)
    assert manager_client.user in users and stranger not in users
    url = reverse("admin:accounts_application_change", args=[theirs.pk])
    assert manager_client.get(url).status_code == 404


def test_a_new_rental_and_its_fees_get_the_managers_account(manager_client, account):
    response = manager_client.post(
        reverse("admin:rentals_rental_add"),
        {
            "name": "Loft",
            "timezone": "Europe/Paris",
            "checkin_time": "16:00",
            "checkout_time": "10:00",
            "currency": "EUR",
            "balance_due_days": "30",
            "fees-TOTAL_FORMS": "1",
            "fees-INITIAL_FORMS": "0",
            "fees-0-name": "Cleaning",
            "fees-0-price": "50.00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    loft = Rental.objects.get(name="Loft")
    assert loft.account == account
    assert [(fee.name, fee.account_id) for fee in loft.fees.all()] == [("Cleaning", account.pk)]


def test_a_new_tax_and_client_get_the_managers_account(manager_client, account):
    manager_client.post(reverse("admin:rentals_tax_add"), {"name": "City tax", "percentage": "2.5"})
    manager_client.post(
        reverse("admin:bookings_client_add"),
        {"fullname": "Alan Turing", "emails": ["alan@example.com"], "phones": []},
    )
    assert Tax.objects.get(name="City tax").account == account
    assert Client.objects.get(fullname="Alan Turing").account == account


def test_a_superuser_sees_every_account_and_can_filter_by_account(
    client, rental, make_booking, theirs, other_account
):
    mine = make_booking(rental)
    admin_user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin_user)
    url = reverse("admin:bookings_booking_changelist")
    page = client.get(url).content.decode()
    assert mine.reference in page and theirs[2].reference in page
    filtered = client.get(url, {"account__id__exact": other_account.pk}).content.decode()
    assert theirs[2].reference in filtered and mine.reference not in filtered


def test_staff_without_an_account_sees_no_bookings(client, rental, make_booking):
    make_booking(rental)
    user = User.objects.create_user(username="lost", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:bookings_booking_changelist")).status_code == 403
