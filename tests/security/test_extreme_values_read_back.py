"""Threat: a value the API accepts that makes a later read fail — a row written with 201
that every list, sync or admin page then answers with 500 (DESIGN §15: "a row that was
written can always be read back through every API and admin page").

The test writes each extreme accepted value through the API, then reads everything back
through every read endpoint (with a full-access and a `public` token) and every admin page
that shows it. To cover a new field or endpoint, add a row to RENTAL_EXTREMES,
BOOKING_EXTREMES, API_READS or ADMIN_READS.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import wrap

# Rentals: the bounds of balance_due_days, and the zones furthest east and west of UTC
# (a bare date becomes a local check-in time there).
RENTAL_EXTREMES: list[dict] = [
    {"name": "Due at once", "balance_due_days": 0},
    {"name": "Due ten years ahead", "balance_due_days": 3650},
    {"name": "East", "timezone": "Pacific/Kiritimati", "balance_due_days": 3650},  # UTC+14
    {"name": "West", "timezone": "Pacific/Pago_Pago", "balance_due_days": 0},  # UTC-11
]

# Bookings: the first and last instants allowed, as instants and as bare dates.
BOOKING_EXTREMES: list[dict] = [
    {"start_at": "1970-01-01T00:00:00Z", "end_at": "1970-01-02T00:00:00Z", "booked": True},
    {"start_at": "1970-01-03", "end_at": "1970-01-04", "unavailable": True},
    {"start_at": "2199-12-30T00:00:00Z", "end_at": "2199-12-31T23:59:59Z", "booked": True},
    {
        "start_at": "2199-12-01",
        "end_at": "2199-12-02",
        "tentative_expires_at": "2199-12-31T23:59:59Z",
        "booked_at": "1970-01-01T00:00:00Z",
    },
]

# {booking} and {rental} are filled in with each row written.
API_READS: list[str] = [
    "/api/v3/bookings",
    "/api/v3/bookings?from=1970-01-01T00:00:00Z",
    "/api/v3/bookings?from=1970-01-01&until=2199-12-31T23:59:59Z",
    "/api/v3/bookings?from=2199-12-31T23:59:59Z&months=1200",
    "/api/v3/bookings?updated_since=1970-01-01T00:00:00Z",
    "/api/v3/bookings?from=1970-01-01&include_canceled=true&per_page=100",
    "/api/v3/bookings/{booking}",
    "/api/v3/bookings/{booking}?include=bookings_fees,bookings_taxes,booking_comments",
    "/api/v3/rentals",
    "/api/v3/rentals/{rental}",
    "/api/v3/bookings_fees",
    "/api/v3/bookings_taxes",
    "/api/v3/booking_comments",
    "/api/v3/events?after=0",
    "/api/v3/auth",
]

# (url name, args from the row, query)
ADMIN_READS: list[tuple[str, str | None, dict]] = [
    ("admin:index", None, {}),
    ("admin:bookings_booking_changelist", None, {}),
    ("admin:bookings_booking_changelist", None, {"start_at__year": "1970"}),
    (
        "admin:bookings_booking_changelist",
        None,
        {"start_at__year": "2199", "start_at__month": "12"},
    ),
    ("admin:bookings_booking_changelist", None, {"status": "canceled"}),
    ("admin:bookings_booking_change", "booking", {}),
    ("admin:rentals_rental_changelist", None, {}),
    ("admin:rentals_rental_change", "rental", {}),
    ("admin:rentals_rental_calendar", "rental", {"month": "1970-01"}),
    ("admin:rentals_rental_calendar", "rental", {"month": "2199-12"}),
    ("admin:rentals_rental_calendar", "rental", {"month": "1969-12"}),
    ("admin:rentals_rental_calendar", "rental", {"month": "2200-01"}),
    ("admin:rentals_rental_calendar", "rental", {"month": "2199-12", "canceled": "1"}),
]


@pytest.fixture
def written(api):
    """Every extreme rental, each with every extreme booking, written through the API."""
    rows = []
    for rental_fields in RENTAL_EXTREMES:
        response = api.post("/api/v3/rentals", wrap("rentals", **rental_fields), format="json")
        assert response.status_code == 201, response.content
        rental_id = response.json()["rentals"][0]["id"]
        for booking_fields in BOOKING_EXTREMES:
            response = api.post(
                f"/api/v3/rentals/{rental_id}/bookings",
                wrap("bookings", **booking_fields, comments=["extreme"]),
                format="json",
            )
            assert response.status_code == 201, (booking_fields, response.content)
            rows.append({"rental": rental_id, "booking": response.json()["bookings"][0]["id"]})
    return rows


def test_every_extreme_value_reads_back_through_every_endpoint(
    written, api, make_api, account, manager_client
):
    public = make_api(account, "public")
    for row in written:
        # A list reads every row at once: read it for the first row only.
        per_row = [t for t in API_READS if "{" in t] if row is not written[0] else API_READS
        for template in per_row:
            url = template.format(**row)
            response = api.get(url)
            assert response.status_code == 200, (url, response.content[:300])
            # A public token may be refused a scope (403) or not see the past (404).
            response = public.get(url)
            assert response.status_code in (200, 403, 404), (url, response.content[:300])
    for row in written:
        for name, arg, query in ADMIN_READS:
            if arg is None and row is not written[0]:
                continue
            url = reverse(name, args=[row[arg]] if arg else [])
            response = manager_client.get(url, query)
            assert response.status_code == 200, (url, query, response.status_code)


def test_canceled_extremes_read_back_too(written, api, manager_client):
    for row in written:
        response = api.delete(f"/api/v3/bookings/{row['booking']}")
        assert response.status_code == 204, response.content
    for template in API_READS:
        response = api.get(template.format(**written[0]))
        assert response.status_code == 200, (template, response.content[:300])
    url = reverse("admin:bookings_booking_change", args=[written[-1]["booking"]])
    assert manager_client.get(url).status_code == 200
