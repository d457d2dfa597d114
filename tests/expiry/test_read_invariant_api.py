"""DESIGN §3/§5 through the API: an expired hold the sweep has not reached yet is already
canceled for every reader and writer; the sweep only makes it explicit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Booking
from bookings.services import tentative_bookings_expire
from tests.expiry.conftest import iso

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [b["id"] for b in response.json()["bookings"]]


def _period(booking: Booking) -> dict[str, str]:
    return {"start_at": iso(booking.start_at), "end_at": iso(booking.end_at)}


def test_an_unswept_expired_hold_reads_as_canceled(api, make_booking):
    hold = make_booking(expires_in=-HOUR)
    assert Booking.objects.get(pk=hold.pk).status == Booking.Status.TENTATIVE  # not swept

    response = api.get(f"/api/v3/bookings/{hold.pk}")
    assert response.status_code == 200, response.content
    shown = response.json()["bookings"][0]
    assert shown["status"] == "Canceled"
    assert shown["canceled_at"] == iso(hold.tentative_expires_at)
    assert shown["cancelation_reason"] == "tentative_expired"

    assert hold.pk not in _ids(api.get("/api/v3/bookings?status=tentative"))
    assert hold.pk not in _ids(api.get("/api/v3/bookings"))
    listed = api.get("/api/v3/bookings?include_canceled=true")
    assert hold.pk in _ids(listed)
    assert {b["id"]: b["status"] for b in listed.json()["bookings"]}[hold.pk] == "Canceled"


def test_a_live_hold_reads_as_tentative_and_blocks_its_period(api, rental, make_booking):
    """The contrast: the same request against a hold that has not expired."""
    hold = make_booking(expires_in=HOUR)
    assert hold.pk in _ids(api.get("/api/v3/bookings?status=tentative"))

    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {"bookings": [{**_period(hold), "booked": True}]},
        format="json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "start_at"


def test_an_unswept_expired_hold_does_not_block_a_new_booking(api, rental, make_booking):
    hold = make_booking(expires_in=-HOUR)

    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {"bookings": [{**_period(hold), "booked": True}]},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["bookings"][0]["status"] == "Booked"
    # The write canceled the expired hold in its own transaction, as the sweep would have.
    released = Booking.objects.get(pk=hold.pk)
    assert released.status == Booking.Status.CANCELED
    assert released.canceled_at == hold.tentative_expires_at
    assert released.cancelation_reason == Booking.CancelationReason.TENTATIVE_EXPIRED


def test_updated_since_clients_see_an_expired_hold_as_deleted_before_and_after_the_sweep(
    api, make_booking
):
    """The cancelation counts from the hold's expiry, swept or not; the sweep's `updated_at`
    bump also lists the row (now Canceled) for clients that synced after that."""
    hold = make_booking(expires_in=-HOUR)
    before_expiry = iso(hold.tentative_expires_at - HOUR)
    before_sweep = iso(timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5))

    def sync(since: str) -> dict:
        response = api.get(f"/api/v3/bookings?updated_since={since}")
        assert response.status_code == 200, response.content
        return response.json()

    assert hold.pk in sync(before_expiry)["meta"]["deleted_ids"]
    assert hold.pk not in [b["id"] for b in sync(before_sweep)["bookings"]]

    assert tentative_bookings_expire() == 1

    assert hold.pk in sync(before_expiry)["meta"]["deleted_ids"]
    listed = {b["id"]: b for b in sync(before_sweep)["bookings"]}
    assert listed[hold.pk]["status"] == "Canceled"
    assert listed[hold.pk]["canceled_at"] == iso(hold.tentative_expires_at)
