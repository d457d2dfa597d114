"""Threats: a rental's `balance_due_days` (the field took up to 2^31-1) that makes
`Booking.balance_due_at` overflow, so every read of its bookings — the API list, the
updated_since sync, the admin change page — answered 500, and a bookings_write_owned
application could plant such a row for the owner's other apps. Bounded to 0–3650 in the
API, the admin and the database; the computed time is overflow-safe regardless. And an
unbounded text (a rental's summary) that stores megabytes each later read carries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings.models import Booking
from rentals.models import Rental
from tests.api.conftest import wrap


@pytest.mark.parametrize("value", [3651, 1_000_000, 2**31 - 1, 2**70, -1])
def test_the_api_refuses_balance_due_days_out_of_range(api, rental, value):
    response = api.patch(
        f"/api/v3/rentals/{rental.pk}", wrap("rentals", balance_due_days=value), format="json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "balance_due_days"
    rental.refresh_from_db()
    assert rental.balance_due_days == 30


@pytest.mark.parametrize("value", [0, 3650])
def test_the_api_accepts_the_extremes(api, rental, value):
    response = api.patch(
        f"/api/v3/rentals/{rental.pk}", wrap("rentals", balance_due_days=value), format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["rentals"][0]["balance_due_days"] == value


def test_the_admin_refuses_balance_due_days_over_3650(manager_client, rental):
    response = manager_client.post(
        reverse("admin:rentals_rental_change", args=[rental.pk]),
        {
            "name": rental.name,
            "timezone": rental.timezone,
            "checkin_time": "16:00",
            "checkout_time": "10:00",
            "currency": "EUR",
            "balance_due_days": "1000000",
            "fees-TOTAL_FORMS": "0",
            "fees-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "balance_due_days" in response.context["adminform"].form.errors
    rental.refresh_from_db()
    assert rental.balance_due_days == 30


def test_the_database_refuses_it_too(rental):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rental.objects.filter(pk=rental.pk).update(balance_due_days=1_000_000)


def test_balance_due_at_never_overflows():
    """Whatever is in memory (a row from before the bound), the computed time answers."""
    created = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    rental = Rental(balance_due_days=2**31 - 1)
    booking = Booking(rental=rental, start_at=dt.datetime(2030, 6, 1, tzinfo=dt.UTC))
    booking.created_at = created
    assert booking.balance_due_at == created
    rental.balance_due_days = 1_000
    booking.start_at = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
    assert booking.balance_due_at == created


def test_a_rental_summary_is_bounded(api, rental):
    url = f"/api/v3/rentals/{rental.pk}"
    too_long = api.patch(url, wrap("rentals", summary="x" * 10_001), format="json")
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "summary"
    assert api.patch(url, wrap("rentals", summary="x" * 10_000), format="json").status_code == 200
