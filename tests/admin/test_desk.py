"""The admin index as the manager's desk: today's arrivals and departures (in each
rental's local day), holds lapsing within 24 hours, and panels other apps plug in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bookings import admin_extensions
from bookings.admin_extensions import DeskPanel, DeskRow
from tests.factories import booking_create

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
LIST_URL = reverse("admin:bookings_booking_changelist")


def panel(html: str, key: str) -> str:
    start = html.index(f'id="desk-{key}"')
    return html[start : html.index("</section>", start)]


def test_the_desk_lists_todays_arrivals_departures_and_lapsing_holds(
    manager_client, rental, guest, now
):
    today = now.astimezone(rental.tzinfo).date()
    leaving = booking_create(
        rental=rental,
        data={"booked": True, "start_at": today - dt.timedelta(3), "end_at": today},
    )
    arriving = booking_create(
        rental=rental,
        data={
            "booked": True,
            "start_at": today,
            "end_at": today + dt.timedelta(4),
            "client_id": guest.pk,
        },
    )
    hold = booking_create(
        rental=rental,
        data={
            "tentative_expires_at": now + dt.timedelta(hours=5),
            "start_at": today + dt.timedelta(10),
            "end_at": today + dt.timedelta(12),
        },
    )
    booking_create(  # lapses after the 24 hours: not on the desk
        rental=rental,
        data={
            "tentative_expires_at": now + dt.timedelta(hours=30),
            "start_at": today + dt.timedelta(20),
            "end_at": today + dt.timedelta(22),
        },
    )
    html = manager_client.get(INDEX).content.decode()
    arrivals, departures, holds = (panel(html, k) for k in ("arrivals", "departures", "holds"))
    assert arriving.reference in arrivals and guest.fullname in arrivals
    assert "16:00" in arrivals  # the rental's check-in time, local
    assert leaving.reference in departures and arriving.reference not in departures
    assert hold.reference in holds and holds.count("<li>") == 1
    assert f'href="{LIST_URL}?desk=holds"' in holds
    assert 'class="desk-panel desk-holds alert"' in html
    assert f'href="{reverse("admin:bookings_booking_board")}"' in html


def test_an_empty_day_says_so(manager_client, rental):
    html = manager_client.get(INDEX).content.decode()
    assert "No arrivals today." in html and "No hold lapses in the next 24 hours." in html


def test_the_desk_never_shows_another_accounts_stays(
    manager_client, other_account, make_rental, now
):
    theirs = make_rental(other_account)
    today = now.astimezone(theirs.tzinfo).date()
    booking = booking_create(
        rental=theirs, data={"booked": True, "start_at": today, "end_at": today + dt.timedelta(2)}
    )
    assert booking.reference not in manager_client.get(INDEX).content.decode()


def test_staff_without_an_account_get_no_desk(client, make_manager, account):
    from accounts.models import User

    user = User.objects.create_user(username="clerk", password="x", is_staff=True)
    client.force_login(user)
    html = client.get(INDEX).content.decode()
    assert 'class="desk"' not in html


def test_other_apps_plug_panels_into_the_desk(manager_client, rental):
    def failing_webhooks(request, now):
        return DeskPanel(
            key="webhooks",
            title="Failing webhooks",
            rows=[DeskRow(text="https://example.com/hook: 502 for 3 hours", url="/x/")],
            alert=True,
        )

    admin_extensions.register_desk_panel(failing_webhooks)
    try:
        html = manager_client.get(INDEX).content.decode()
    finally:
        admin_extensions.desk_panel_providers.remove(failing_webhooks)
    assert "Failing webhooks" in panel(html, "webhooks") and "502 for 3 hours" in html
