"""Threat: an admin URL a manager can type (or a navigation link at the edge of the
calendar) that answers 500: the rental calendar at month 9999-12 or 0001-01 (the
previous/next month overflowed), the bookings list's date hierarchy at year 9999
(Django computes the following year). Each shows a page or a clean redirect."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("month", "shown"),
    [
        ("9999-12", "2199-12"),
        ("0001-01", "1970-01"),
        ("1969-12", "1970-01"),
        ("2200-01", "2199-12"),
        ("1970-01", "1970-01"),
        ("2199-12", "2199-12"),
        ("2030-13", None),  # not a month: today's month, as before
    ],
)
def test_the_calendar_clamps_months_to_the_bounds(manager_client, rental, month, shown):
    url = reverse("admin:rentals_rental_calendar", args=[rental.pk])
    response = manager_client.get(url, {"month": month})
    assert response.status_code == 200
    if shown:
        assert response.context["month_param"] == shown
        # Its navigation links open pages that exist too.
        for param in ("previous_param", "next_param"):
            follow = manager_client.get(url, {"month": response.context[param]})
            assert follow.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"start_at__year": "9999"},
        {"start_at__year": "0"},
        {"start_at__year": "1"},
        {"start_at__year": "99999999999999999999"},
        {"start_at__year": "9999", "start_at__month": "12"},
        {"start_at__year": "9999", "start_at__month": "12", "start_at__day": "31"},
        {"start_at__year": "-5"},
    ],
)
def test_the_date_hierarchy_outside_the_bounds_reopens_the_list(manager_client, db, query):
    url = reverse("admin:bookings_booking_changelist")
    response = manager_client.get(url, query)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "query",
    [
        {"start_at__year": "2199"},
        {"start_at__year": "2199", "start_at__month": "12"},
        {"start_at__year": "2199", "start_at__month": "12", "start_at__day": "31"},
        {"start_at__year": "1970", "start_at__month": "1", "start_at__day": "1"},
    ],
)
def test_the_date_hierarchy_at_the_bounds_shows_the_list(manager_client, db, query):
    response = manager_client.get(reverse("admin:bookings_booking_changelist"), query)
    assert response.status_code == 200
