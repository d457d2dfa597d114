"""Writing bookings: create under a rental, update, cancel, add and remove fees."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bookings.models import Booking, BookingComment, BookingFee, BookingTax
from tests.api.conftest import iso, wrap


@pytest.fixture
def period(now):
    start = now + dt.timedelta(days=10)
    return {"start_at": iso(start), "end_at": iso(start + dt.timedelta(days=3))}


def test_create_answers_201_with_location_and_the_booking(api, rental, period, guest):
    body = wrap("bookings", booked=True, client_id=guest.pk, initial_price="300", **period)
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    record = response.json()["bookings"][0]
    assert response["Location"] == f"http://testserver/api/v3/bookings/{record['id']}"
    assert record["status"] == "Booked"
    assert record["start_at"] == period["start_at"]
    assert record["links"]["client"] == guest.pk
    assert record["owned_by_app"] is True
    assert record["locked"] is None  # created with bookings_write: not locked


def test_create_carries_nested_fees_taxes_and_comments(api, rental, period):
    body = wrap(
        "bookings",
        booked=True,
        initial_price="3000",
        discount="10%",
        bookings_fees=[
            {"name": "Fee1", "price": "50", "times_booked": "2"},
            {"name": "Fee2", "price": "30", "included_in_price": True},
        ],
        bookings_taxes=[
            {"name": "Tax1", "amount": "60", "percentage": "10.0", "included": False},
            {"name": "Tax3", "amount": "10", "included": True},
        ],
        comments=[{"content": "Comment one"}, {"content": "Comment two"}],
        **period,
    )
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    record = response.json()["bookings"][0]
    assert [fee["name"] for fee in record["bookings_fees"]] == [{"en": "Fee1"}, {"en": "Fee2"}]
    assert [tax["amount"] for tax in record["bookings_taxes"]] == ["60.00", "10.00"]
    assert record["final_price"] == "2860.00"  # 2700 + 100 + 60
    booking = Booking.objects.get(pk=record["id"])
    assert BookingComment.objects.filter(booking=booking).count() == 2
    assert len(record["links"]["booking_comments"]) == 2


def test_create_accepts_vnd_api_json(api, rental, period):
    response = api.generic(
        "POST",
        f"/api/v3/rentals/{rental.pk}/bookings",
        json.dumps(wrap("bookings", unavailable=True, **period)),
        content_type="application/vnd.api+json",
    )
    assert response.status_code == 201, response.content


def test_create_ignores_read_only_and_unknown_fields(api, rental, period, other_account):
    body = wrap(
        "bookings",
        booked=True,
        id=424242,
        status="Canceled",
        account_id=other_account.pk,
        rental_id=999,
        locked="application-1",
        owned_by_app=False,
        paid_amount="500",
        reference="ZZZZZZ",
        created_at="2001-01-01T00:00:00Z",
        favourite_colour="blue",
        **period,
    )
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["bookings"][0]["id"])
    assert booking.pk != 424242
    assert booking.account_id == rental.account_id and booking.rental_id == rental.pk
    assert booking.status == Booking.Status.BOOKED
    assert booking.locked is False
    assert booking.paid_amount == 0
    assert booking.created_at.year > 2001


def test_create_needs_exactly_one_status(api, rental, period):
    for extra in ({}, {"booked": True, "unavailable": True}):
        response = api.post(
            f"/api/v3/rentals/{rental.pk}/bookings",
            wrap("bookings", **period, **extra),
            format="json",
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "status"


def test_an_overlapping_booking_is_a_422_naming_the_other(api, rental, period, make_booking):
    existing = make_booking(rental, start_at=period["start_at"], end_at=period["end_at"])
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap("bookings", booked=True, **period),
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "code": "validation_failed",
            "field": "start_at",
            "title": f"overlaps booking {existing.reference}",
        }
    ]


def test_field_errors_are_one_entry_per_field(api, rental, period):
    body = wrap("bookings", booked=True, notes="x" * 6001, discount="lots", adults=-1, **period)
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"notes", "discount", "adults"}


@pytest.mark.parametrize(
    "body",
    [[], {"booking": {}}, {"bookings": []}, {"bookings": [{}, {}]}, {"bookings": ["x"]}, "text"],
)
def test_a_body_not_in_the_envelope_shape_is_a_400(api, rental, body):
    response = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"


def test_post_to_bookings_without_a_rental_is_a_405(api, db):
    response = api.post("/api/v3/bookings", wrap("bookings", booked=True), format="json")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_create_on_an_unknown_rental_is_a_404(api, db, period):
    response = api.post(
        "/api/v3/rentals/987654/bookings", wrap("bookings", booked=True, **period), format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_changes_only_the_given_fields(api, rental, make_booking, method):
    booking = make_booking(rental, adults=2, notes="keep me")
    response = getattr(api, method)(
        f"/api/v3/bookings/{booking.pk}", wrap("bookings", adults=4), format="json"
    )
    assert response.status_code == 200, response.content
    record = response.json()["bookings"][0]
    assert record["adults"] == 4
    assert record["notes"] == "keep me"


def test_update_can_move_a_booking_to_unavailable(api, rental, make_booking):
    booking = make_booking(rental)
    response = api.patch(
        f"/api/v3/bookings/{booking.pk}", wrap("bookings", unavailable=True), format="json"
    )
    assert response.json()["bookings"][0]["status"] == "Unavailable"


def test_update_of_a_canceled_booking_is_a_422(api, rental, make_booking):
    booking = make_booking(rental)
    api.delete(f"/api/v3/bookings/{booking.pk}")
    response = api.patch(
        f"/api/v3/bookings/{booking.pk}", wrap("bookings", adults=1), format="json"
    )
    assert response.status_code == 422


def test_update_ignores_read_only_fields(api, rental, make_booking):
    booking = make_booking(rental)
    response = api.put(
        f"/api/v3/bookings/{booking.pk}",
        wrap("bookings", status="Canceled", id=1, reference="AAAAAA", children=1),
        format="json",
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED and booking.children == 1


def test_delete_cancels_with_204_and_no_body_and_keeps_the_row(api, rental, make_booking):
    booking = make_booking(rental)
    response = api.delete(
        f"/api/v3/bookings/{booking.pk}",
        wrap(
            "bookings",
            cancelation_reason="requested_by_guest",
            cancelation_message_to_guest="Sorry",
            cancelation_message_to_channel="Guest asked",
        ),
        format="json",
    )
    assert response.status_code == 204
    assert response.content == b""
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELED
    assert booking.cancelation_reason == "requested_by_guest"
    assert booking.cancelation_message_to_guest == "Sorry"
    record = api.get(f"/api/v3/bookings/{booking.pk}").json()["bookings"][0]
    assert record["status"] == "Canceled" and record["canceled_at"]


def test_delete_without_a_body_cancels_and_is_idempotent(api, rental, make_booking):
    booking = make_booking(rental)
    assert api.delete(f"/api/v3/bookings/{booking.pk}").status_code == 204
    assert api.delete(f"/api/v3/bookings/{booking.pk}").status_code == 204


def test_delete_with_an_unknown_reason_is_a_422(api, rental, make_booking):
    booking = make_booking(rental)
    response = api.delete(
        f"/api/v3/bookings/{booking.pk}",
        wrap("bookings", cancelation_reason="bored"),
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cancelation_reason"


def test_a_canceled_period_is_free_again(api, rental, make_booking, period):
    booking = make_booking(rental, start_at=period["start_at"], end_at=period["end_at"])
    api.delete(f"/api/v3/bookings/{booking.pk}")
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap("bookings", booked=True, **period),
        format="json",
    )
    assert response.status_code == 201


def test_add_and_remove_a_bookings_fee(api, rental, make_booking):
    booking = make_booking(rental, initial_price="100")
    response = api.patch(
        f"/api/v3/bookings/{booking.pk}/add_bookings_fee",
        wrap("bookings_fees", name="Cleaning", price="25", times_booked=2),
        format="json",
    )
    assert response.status_code == 200, response.content
    record = response.json()["bookings"][0]
    assert record["final_price"] == "150.00"
    fee_id = record["bookings_fees"][0]["id"]
    response = api.patch(f"/api/v3/bookings/{booking.pk}/remove_bookings_fee/{fee_id}")
    assert response.status_code == 200
    assert response.json()["bookings"][0]["final_price"] == "100.00"
    assert not BookingFee.objects.filter(pk=fee_id).exists()


def test_removing_a_fee_of_another_booking_is_a_404(api, rental, make_booking):
    mine = make_booking(rental, start_days=1)
    other = make_booking(rental, start_days=10, bookings_fees=[{"name": "X", "price": "1"}])
    fee = BookingFee.objects.get(booking=other)
    response = api.patch(f"/api/v3/bookings/{mine.pk}/remove_bookings_fee/{fee.pk}")
    assert response.status_code == 404


def test_fee_tax_and_comment_records_are_readable(api, rental, make_booking):
    booking = make_booking(
        rental,
        bookings_fees=[{"name": "Cleaning", "price": "40"}],
        bookings_taxes=[{"name": "VAT", "amount": "8", "taxable_type": "Rental"}],
        comments=[{"content": "note"}],
    )
    fee = BookingFee.objects.get(booking=booking)
    tax = BookingTax.objects.get(booking=booking)
    fees = api.get("/api/v3/bookings_fees").json()
    assert fees["bookings_fees"][0]["links"]["booking"] == booking.pk
    assert api.get(f"/api/v3/bookings_fees/{fee.pk}").json()["bookings_fees"][0]["price"] == "40.00"
    taxes = api.get(f"/api/v3/bookings_taxes/{tax.pk}").json()["bookings_taxes"]
    assert taxes[0]["links"]["taxable"] == {"id": rental.pk, "type": "Rental"}
    comments = api.get("/api/v3/booking_comments").json()["booking_comments"]
    assert comments[0]["content"] == "note"
