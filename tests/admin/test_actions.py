"""Cancel (with a reason, on an intermediate page), bulk cancel and confirm a hold, all
through bookings/services.py."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_cancel

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:bookings_booking_changelist")


def run_action(client, action: str, bookings, **extra):
    """As from the list showing every booking (canceled ones are hidden by default, and an
    action applies to the rows of the list it was run from)."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(b.pk) for b in bookings], **extra}
    url = f"{LIST_URL}?status=any&when=all"
    return client.post(url, {**data, "index": "0"} if not extra else data)


def test_cancel_action_asks_for_a_reason_first(manager_client, rental, make_booking):
    booking = make_booking(rental)
    page = run_action(manager_client, "cancel_bookings", [booking])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Requested by guest" in html and booking.reference in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED  # nothing happens before confirming


def test_confirming_the_cancel_page_cancels_with_reason_and_messages(
    manager_client, rental, make_booking
):
    booking = make_booking(rental)
    response = run_action(
        manager_client,
        "cancel_bookings",
        [booking],
        confirm="yes",
        reason="requested_by_owner",
        message_to_guest="Sorry",
        message_to_channel="Owner needs the flat",
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELED
    assert booking.canceled_at is not None
    assert booking.cancelation_reason == "requested_by_owner"
    assert booking.cancelation_message_to_guest == "Sorry"
    assert booking.cancelation_message_to_channel == "Owner needs the flat"


def test_bulk_cancel_cancels_the_live_ones_and_skips_canceled_ones(
    manager_client, rental, make_booking
):
    first = make_booking(rental, start=10)
    second = make_booking(rental, start=20)
    already = make_booking(rental, start=30)
    booking_cancel(booking=already, reason="no_show")
    response = run_action(
        manager_client, "cancel_bookings", [first, second, already], confirm="yes", reason=""
    )
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Canceled 2 bookings; 1 already canceled."]
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert statuses == {Booking.Status.CANCELED}
    already.refresh_from_db()
    assert already.cancelation_reason == "no_show"  # untouched


def test_the_cancel_action_ignores_another_accounts_bookings(
    manager_client, other_account, make_rental, make_booking
):
    theirs = make_booking(make_rental(other_account))
    run_action(manager_client, "cancel_bookings", [theirs], confirm="yes", reason="")
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.BOOKED


def test_the_cancel_button_of_one_booking_uses_the_same_page(manager_client, rental, make_booking):
    booking = make_booking(rental)
    change = reverse("admin:bookings_booking_change", args=[booking.pk])
    assert "Cancel booking" in manager_client.get(change).content.decode()
    url = reverse("admin:bookings_booking_cancel", args=[booking.pk])
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(url, {"confirm": "yes", "reason": "overbooked"})
    assert response.status_code == 302 and response.url == change
    booking.refresh_from_db()
    assert (booking.status, booking.cancelation_reason) == ("canceled", "overbooked")
    # Canceling again only says so.
    again = manager_client.post(url, {"confirm": "yes", "reason": "other"})
    assert again.status_code == 302
    booking.refresh_from_db()
    assert booking.cancelation_reason == "overbooked"


def test_an_unknown_reason_is_a_form_error_not_a_500(manager_client, rental, make_booking):
    booking = make_booking(rental)
    url = reverse("admin:bookings_booking_cancel", args=[booking.pk])
    response = manager_client.post(url, {"confirm": "yes", "reason": "bored"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_confirm_turns_a_live_hold_into_a_booking(manager_client, rental, make_booking, day):
    hold = make_booking(rental, tentative_expires_at=day(2))
    booked = make_booking(rental, start=30)
    response = run_action(manager_client, "confirm_holds", [hold, booked])
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.status == Booking.Status.BOOKED
    assert hold.tentative_expires_at is None and hold.booked_at is not None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert f"{booked.reference} is booked, not a live hold: left as it is." in messages
    assert "Confirmed 1 hold as booked." in messages


def test_an_expired_hold_cannot_be_confirmed(manager_client, rental, day):
    expired = Booking.objects.create(
        account=rental.account,
        rental=rental,
        status=Booking.Status.TENTATIVE,
        tentative_expires_at=day(-1),
        start_at=day(5, 16),
        end_at=day(7, 10),
    )
    run_action(manager_client, "confirm_holds", [expired])
    expired.refresh_from_db()
    assert expired.status == Booking.Status.TENTATIVE  # still an expired hold: reads canceled
    assert expired.status_at() == Booking.Status.CANCELED


def test_bookings_cannot_be_deleted(manager_client, rental, make_booking):
    booking = make_booking(rental)
    page = manager_client.get(LIST_URL).content.decode()
    assert "delete_selected" not in page
    url = reverse("admin:bookings_booking_delete", args=[booking.pk])
    assert manager_client.post(url, {"post": "yes"}).status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()
