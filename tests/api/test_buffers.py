"""Buffers over the v3 API (DESIGN §9): extension fields of the booking and rental records."""

from __future__ import annotations

import datetime as dt

import pytest

from bookings.models import Booking
from tests.api.conftest import iso, wrap


@pytest.fixture
def cleaned(make_rental, account):
    return make_rental(account, name="Dune Cabin", timezone="UTC", buffer_after=180)


def test_a_created_booking_reads_its_buffers_taken_from_the_rental(api, cleaned, now):
    start = (now + dt.timedelta(days=5)).replace(hour=15, minute=0, second=0, microsecond=0)
    body = wrap(
        "bookings",
        booked=True,
        start_at=iso(start),
        end_at=iso(start + dt.timedelta(days=2, hours=-5)),
    )
    response = api.post(f"/api/v3/rentals/{cleaned.pk}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    record = response.json()["bookings"][0]
    assert (record["buffer_before"], record["buffer_after"]) == (0, 180)

    # The guest leaves at 10:00; the cabin is ready at 13:00.
    second = {"booked": True, "end_at": iso(start + dt.timedelta(days=4))}
    early = wrap("bookings", start_at=iso(start + dt.timedelta(days=1, hours=20)), **second)
    response = api.post(f"/api/v3/rentals/{cleaned.pk}/bookings", early, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "code": "validation_failed",
            "field": "start_at",
            "title": f"overlaps the preparation time of booking {record['reference']}",
        }
    ]
    on_time = wrap("bookings", start_at=iso(start + dt.timedelta(days=1, hours=22)), **second)
    response = api.post(f"/api/v3/rentals/{cleaned.pk}/bookings", on_time, format="json")
    assert response.status_code == 201, response.content


def test_buffers_are_writable_and_bounded(api, rental, make_booking):
    booking = make_booking(rental, start_days=3)
    path = f"/api/v3/bookings/{booking.pk}"
    response = api.patch(path, wrap("bookings", buffer_before=30, buffer_after=45), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["bookings"][0]["buffer_before"] == 30
    booking.refresh_from_db()
    assert (booking.buffer_before, booking.buffer_after) == (30, 45)
    for bad in (-1, 10081, "x", None):
        response = api.patch(path, wrap("bookings", buffer_after=bad), format="json")
        assert response.status_code == 422, bad
        assert "buffer_after" in response.content.decode()
    booking.refresh_from_db()
    assert booking.buffer_after == 45


def test_a_rental_carries_its_buffers(api, rental):
    path = f"/api/v3/rentals/{rental.pk}"
    response = api.put(path, wrap("rentals", buffer_before=15, buffer_after=240), format="json")
    assert response.status_code == 200, response.content
    record = response.json()["rentals"][0]
    assert (record["buffer_before"], record["buffer_after"]) == (15, 240)
    response = api.put(path, wrap("rentals", buffer_after=10081), format="json")
    assert response.status_code == 422
    assert "buffer_after" in response.content.decode()
    rental.refresh_from_db()
    assert rental.buffer_after == 240
    assert not Booking.objects.exists()
