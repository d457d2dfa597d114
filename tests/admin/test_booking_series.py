"""Recurring series in the admin (DESIGN §9): made from the add form through the series
service, shown on each occurrence's page, canceled this / following / all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingSeries
from events.models import Event
from tests.admin.test_booking_forms import ADD_URL, booking_form, change_url, errors_of

pytestmark = pytest.mark.django_db


def make_series(manager_client, rental, day, **fields):
    check_in = day(20).date()
    fields = {
        "summary": "Family visit",
        "recurrence": "FREQ=WEEKLY;COUNT=4",
        "on_conflict": "fail",
        **fields,
    }
    return manager_client.post(
        ADD_URL,
        booking_form(
            rental=rental, check_in=check_in, check_out=check_in + dt.timedelta(days=2), **fields
        ),
    )


def test_the_add_form_makes_a_series_shown_on_each_occurrence(manager_client, rental, day):
    response = make_series(manager_client, rental, day)
    assert response.status_code == 302, errors_of(response)
    series = BookingSeries.objects.get()
    occurrences = list(Booking.objects.filter(series=series).order_by("start_at"))
    assert len(occurrences) == 4
    assert {b.summary for b in occurrences} == {"Family visit"}
    assert Event.objects.filter(event="booking_created").count() == 4
    page = manager_client.get(change_url(occurrences[1])).content.decode()
    assert "FREQ=WEEKLY;COUNT=4" in page
    for booking in occurrences:
        assert reverse("admin:bookings_booking_change", args=[booking.pk]) in page


def test_a_bad_rule_is_an_error_on_the_repeat_field(manager_client, rental, day):
    response = make_series(manager_client, rental, day, recurrence="FREQ=HOURLY;COUNT=3")
    assert "recurrence" in errors_of(response)
    assert not Booking.objects.exists() and not BookingSeries.objects.exists()


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("this", ["booked", "canceled", "booked", "booked"]),
        ("following", ["booked", "canceled", "canceled", "canceled"]),
        ("all", ["canceled", "canceled", "canceled", "canceled"]),
    ],
)
def test_cancel_this_following_or_all(manager_client, rental, day, scope, expected):
    make_series(manager_client, rental, day)
    occurrences = list(Booking.objects.order_by("start_at"))
    cancel_url = reverse("admin:bookings_booking_cancel", args=[occurrences[1].pk])
    page = manager_client.get(cancel_url)
    assert "the whole series" in page.content.decode()
    response = manager_client.post(
        cancel_url, {"confirm": "yes", "reason": "other", "scope": scope}
    )
    assert response.status_code == 302
    statuses = [b.status for b in Booking.objects.order_by("start_at")]
    assert statuses == expected
