"""Every write path writes exactly the events DESIGN §8 lists, in its own transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from bookings.errors import BookingOverlap
from bookings.inputs import BookingInput, FeeInput
from bookings.models import Booking
from bookings.services import (
    booking_add_comment,
    booking_add_fee,
    booking_cancel,
    booking_create,
    booking_remove_fee,
    booking_update,
    tentative_bookings_expire,
)
from events.actors import Actor
from events.models import Event
from tests.api.conftest import wrap
from tests.factories import DAY0, at, make_booking

pytestmark = pytest.mark.django_db

CLOCK = DAY0 - dt.timedelta(days=7)
USER = Actor.user(7)


def events(**filters) -> list[tuple[str, str, int]]:
    return list(
        Event.objects.filter(**filters)
        .order_by("id")
        .values_list("event", "resource_type", "resource_id")
    )


def test_create_update_fees_comment_cancel_each_write_one_event_with_their_actor(rental):
    booking = booking_create(
        rental=rental,
        booking_input=BookingInput(status="booked", start_at=at(1), end_at=at(3)),
        actor=USER,
        now=CLOCK,
    )
    booking_update(booking=booking, booking_input=BookingInput(adults=2), actor=USER, now=CLOCK)
    fee = booking_add_fee(
        booking=booking, fee=FeeInput(name="Cleaning", price=50), actor=USER, now=CLOCK
    )
    booking_remove_fee(booking=booking, fee_id=fee.pk, actor=USER, now=CLOCK)
    booking_add_comment(booking=booking, content="late arrival", actor=USER, now=CLOCK)
    booking_cancel(booking=booking, reason="no_show", actor=Actor.application(3), now=CLOCK)
    booking_cancel(booking=booking, now=CLOCK)  # a retried DELETE changes nothing

    assert [name for name, _, _ in events(resource_type="booking", resource_id=booking.pk)] == [
        "booking_created",
        "booking_updated",
        "booking_updated",
        "booking_updated",
        "booking_updated",
        "booking_destroyed",
    ]
    rows = list(
        Event.objects.filter(resource_type="booking", resource_id=booking.pk).order_by("id")
    )
    assert rows[1].changes == {"adults": [None, 2]}
    assert rows[2].changes["bookings_fees"] == [None, fee.pk]
    assert rows[2].changes["final_price"] == [None, "50.00"]
    assert rows[-1].changes["status"] == ["booked", "canceled"]
    assert {row.account_id for row in rows} == {rental.account_id}
    assert [row.actor for row in rows[:5]] == [USER.as_json()] * 5
    assert rows[-1].actor == {"type": "application", "id": 3}
    # Create and cancel move the rental's free nights; a change of adults, fees or
    # comments does not.
    assert (
        events(event="availability_updated") == [("availability_updated", "rental", rental.pk)] * 2
    )
    booking.refresh_from_db()
    assert booking.created_by == USER.as_json()
    assert booking.updated_by == {"type": "application", "id": 3}


def test_a_rolled_back_write_leaves_no_event(rental):
    make_booking(rental, at(1), at(3), now=CLOCK)
    before = Event.objects.count()
    with pytest.raises(BookingOverlap):
        make_booking(rental, at(2), at(4), now=CLOCK)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_booking(rental, at(5), at(6), now=CLOCK)
        raise RuntimeError("the caller's transaction fails after the service")
    assert Event.objects.count() == before


def test_the_sweep_writes_one_event_per_hold_it_cancels_and_none_the_second_time(rental):
    holds = [
        make_booking(
            rental,
            at(day),
            at(day + 1),
            tentative_expires_at=CLOCK + dt.timedelta(hours=1),
            now=CLOCK,
        )
        for day in (1, 3, 5)
    ]
    later = CLOCK + dt.timedelta(hours=2)
    assert tentative_bookings_expire(now=later) == 3
    assert tentative_bookings_expire(now=later) == 0
    swept = Event.objects.filter(event="booking_destroyed")
    assert sorted(swept.values_list("resource_id", flat=True)) == sorted(h.pk for h in holds)
    assert {tuple(sorted(e.actor.items())) for e in swept} == {
        (("name", "tentative_expiry"), ("type", "system"))
    }
    # One availability_updated for the rental per batch, not one per hold.
    assert (
        events(event="availability_updated") == [("availability_updated", "rental", rental.pk)] * 4
    )
    assert Booking.objects.get(pk=holds[0].pk).updated_by == {
        "type": "system",
        "name": "tentative_expiry",
    }


def test_a_write_that_releases_an_expired_hold_records_its_cancel(rental):
    hold = make_booking(
        rental, at(1), at(3), tentative_expires_at=CLOCK + dt.timedelta(hours=1), now=CLOCK
    )
    taker = make_booking(rental, at(1), at(3), now=CLOCK + dt.timedelta(hours=2))
    assert events(event="booking_destroyed") == [("booking_destroyed", "booking", hold.pk)]
    assert events(resource_type="booking", resource_id=taker.pk) == [
        ("booking_created", "booking", taker.pk)
    ]


def test_rental_and_client_api_writes_record_events(api, account):
    rental_id = api.post("/api/v3/rentals", wrap("rentals", name="Loft"), format="json").json()[
        "rentals"
    ][0]["id"]
    api.patch(f"/api/v3/rentals/{rental_id}", wrap("rentals", city="Nice"), format="json")
    api.delete(f"/api/v3/rentals/{rental_id}")
    client_id = api.post("/api/v3/clients", wrap("clients", fullname="Ada"), format="json").json()[
        "clients"
    ][0]["id"]
    api.patch(f"/api/v3/clients/{client_id}", wrap("clients", notes="VIP"), format="json")
    assert events(account_id=account.pk) == [
        ("rental_created", "rental", rental_id),
        ("rental_updated", "rental", rental_id),
        ("rental_destroyed", "rental", rental_id),
        ("client_created", "client", client_id),
        ("client_updated", "client", client_id),
    ]
    actor = {"type": "application", "id": api.application.pk}
    assert {tuple(sorted(a.items())) for a in Event.objects.values_list("actor", flat=True)} == {
        tuple(sorted(actor.items()))
    }
    assert Event.objects.get(event="rental_updated").changes == {"city": ["", "Nice"]}


def test_api_bookings_carry_created_by_and_updated_by(api, rental):
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap("bookings", start_at="2030-07-02", end_at="2030-07-04", booked=True),
        format="json",
    )
    assert response.status_code == 201, response.content
    record = response.json()["bookings"][0]
    actor = {"type": "application", "id": api.application.pk}
    assert record["created_by"] == actor
    assert record["updated_by"] == actor


def test_admin_edits_of_rentals_and_clients_go_through_the_services(manager_client, rental):
    url = reverse("admin:rentals_rental_change", args=[rental.pk])
    form = {
        "name": rental.name,
        "timezone": rental.timezone,
        "checkin_time": "16:00",
        "checkout_time": "10:00",
        "currency": "xyz",
        "balance_due_days": 30,
        "fees-TOTAL_FORMS": 0,
        "fees-INITIAL_FORMS": 0,
    }
    response = manager_client.post(url, form)
    assert response.status_code == 200  # the supported-currency rule holds here too
    assert "is not a supported ISO 4217 currency" in response.content.decode()
    response = manager_client.post(url, {**form, "currency": "usd", "city": "Nice"})
    assert response.status_code == 302, response.content.decode()[:2000]
    rental.refresh_from_db()
    assert (rental.currency, rental.city) == ("USD", "Nice")
    updated = Event.objects.get(event="rental_updated", resource_id=rental.pk)
    assert updated.actor == {"type": "user", "id": manager_client.user.pk}
    assert updated.changes == {"currency": ["EUR", "USD"], "city": ["", "Nice"]}

    add = reverse("admin:bookings_client_add")
    # E-mails and phones are list inputs (one box per value): each value is bounded.
    response = manager_client.post(add, {"fullname": "Ada", "phones": ["1" * 255]})
    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert Event.objects.filter(event="client_created").count() == 0
    response = manager_client.post(
        add, {"fullname": "Ada", "emails": ["ada@example.com"], "phones": ["+33 1 23 45 67 89"]}
    )
    assert response.status_code == 302
    assert Event.objects.filter(event="client_created").count() == 1


def test_the_booking_admin_shows_who_changed_what_and_when(manager_client, rental):
    booking = make_booking(rental, at(1), at(3), now=CLOCK, actor=Actor.application(17))
    booking_update(
        booking=booking,
        booking_input=BookingInput(adults=3),
        actor=Actor.user(manager_client.user.pk),
        now=CLOCK,
    )
    response = manager_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    page = response.content.decode()
    assert 'class="booking-history"' in page
    assert f"user {manager_client.user.username}" in page
    assert "application-17" in page
    assert "adults: None → 3" in page
