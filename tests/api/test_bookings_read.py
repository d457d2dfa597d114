"""Reading bookings: the envelope, the record's shape, show by id, media types."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from bookings.models import Booking
from tests.api.conftest import iso

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MONEY = re.compile(r"^-?\d+\.\d\d$")


def test_list_answers_the_envelope_with_link_templates_and_meta(api, rental, make_booking):
    booking = make_booking(rental)
    body = api.get("/api/v3/bookings").json()
    assert set(body) == {"links", "bookings", "meta"}
    assert body["links"]["bookings.rental"] == "http://testserver/api/v3/rentals/{bookings.rental}"
    assert [record["id"] for record in body["bookings"]] == [booking.pk]
    assert body["meta"]["X-Total-Count"] == "1"


def test_a_full_record_has_the_bookingsync_fields_in_wire_formats(api, rental, guest, make_booking):
    booking = make_booking(
        rental,
        client_id=guest.pk,
        initial_price="3000",
        discount="10%",
        adults=2,
        bookings_fees=[{"name": "Cleaning", "price": "50", "times_booked": 2}],
        bookings_taxes=[{"name": "Tourist tax", "amount": "12.5"}],
        comments=[{"content": "late arrival"}],
        expected_checkin_time="14:45",
    )
    record = api.get(f"/api/v3/bookings/{booking.pk}").json()["bookings"][0]
    assert record["status"] == "Booked"
    assert record["booked"] is True and record["unavailable"] is False
    assert record["reference"] == booking.reference
    assert record["initial_price"] == "3000.00"
    assert record["initial_rental_price"] == "3000.00"
    assert record["final_rental_price"] == "2700.00"
    assert record["final_price"] == "2812.50"  # 2700 + 2 × 50 + 12.50
    assert record["payment_left_to_collect"] == "2812.50"
    assert record["paid_amount"] == "0.00"
    assert record["discount"] == "10%"
    assert record["expected_checkin_time"] == "14:45"
    assert record["owned_by_app"] is False
    assert record["locked"] is None
    for name in ("start_at", "end_at", "created_at", "updated_at", "balance_due_at"):
        assert TIME.match(record[name]), name
    for name in ("initial_price", "final_price", "damage_deposit", "paid_amount"):
        assert MONEY.match(record[name]), name
    links = record["links"]
    assert links["rental"] == rental.pk
    assert links["client"] == guest.pk
    assert links["account"] == rental.account_id
    assert len(links["bookings_fees"]) == 1
    assert len(links["bookings_taxes"]) == 1
    assert len(links["booking_comments"]) == 1
    assert "bookings_fees" not in record  # embedded only on request


def test_include_embeds_fees_taxes_and_comments(api, rental, make_booking):
    booking = make_booking(
        rental,
        bookings_fees=[{"name": {"en": "Linen"}, "price": "20"}],
        bookings_taxes=[{"name": "VAT", "amount": "4", "percentage": "20", "included": True}],
        comments=[{"content": "hello"}],
    )
    record = api.get(
        f"/api/v3/bookings/{booking.pk}?include=bookings_fees,bookings_taxes,booking_comments"
    ).json()["bookings"][0]
    fee = record["bookings_fees"][0]
    assert fee["name"] == {"en": "Linen"}
    assert fee["price"] == "20.00"
    assert fee["links"]["booking"] == booking.pk
    tax = record["bookings_taxes"][0]
    assert tax["tax_included_in_price"] is True
    assert tax["amount"] == "4.00"
    assert tax["links"]["taxable"] == {"id": rental.pk, "type": "Rental"}
    assert record["booking_comments"][0]["content"] == "hello"


def test_times_are_true_utc_instants(api, rental, make_booking):
    """A bare date means the rental's check-in time in its zone (Paris, 16:00 CET = 15:00Z)."""
    booking = make_booking(rental, start_at="2031-01-10", end_at="2031-01-12")
    record = api.get(f"/api/v3/bookings/{booking.pk}").json()["bookings"][0]
    assert record["start_at"] == "2031-01-10T15:00:00Z"
    assert record["end_at"] == "2031-01-12T09:00:00Z"


def test_statuses_are_capitalised(api, rental, make_booking, now):
    make_booking(rental, start_days=1)
    make_booking(rental, start_days=5, unavailable=True)
    make_booking(rental, start_days=9, tentative_expires_at=iso(now + dt.timedelta(hours=2)))
    statuses = [record["status"] for record in api.get("/api/v3/bookings").json()["bookings"]]
    assert statuses == ["Booked", "Unavailable", "Tentative"]


def test_an_expired_hold_not_yet_swept_reads_as_canceled(api, rental, make_booking, now):
    hold = make_booking(rental, tentative_expires_at=iso(now + dt.timedelta(minutes=5)))
    Booking.objects.filter(pk=hold.pk).update(
        tentative_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert api.get("/api/v3/bookings").json()["bookings"] == []
    record = api.get(f"/api/v3/bookings/{hold.pk}").json()["bookings"][0]
    assert record["status"] == "Canceled"
    assert record["cancelation_reason"] == "tentative_expired"
    assert record["canceled_at"] is not None


def test_show_accepts_a_comma_list_of_ids_in_the_given_order(api, rental, make_booking):
    first = make_booking(rental, start_days=1)
    second = make_booking(rental, start_days=5)
    body = api.get(f"/api/v3/bookings/{second.pk},{first.pk}").json()
    assert [record["id"] for record in body["bookings"]] == [second.pk, first.pk]


def test_show_of_past_and_canceled_bookings_works_for_read_scopes(
    make_api, account, rental, make_booking, now
):
    past = make_booking(rental, start_days=-10, created_at=now - dt.timedelta(days=20))
    canceled = make_booking(rental, start_days=3)
    api = make_api(account, "bookings_read")
    api_writer = make_api(account, "bookings_write")
    assert api_writer.delete(f"/api/v3/bookings/{canceled.pk}").status_code == 204
    body = api.get(f"/api/v3/bookings/{past.pk},{canceled.pk}").json()
    assert [record["status"] for record in body["bookings"]] == ["Booked", "Canceled"]


def test_show_of_an_unknown_id_is_a_404(api, db):
    response = api.get("/api/v3/bookings/999999")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_paths_answer_with_and_without_trailing_slash(api, rental, make_booking):
    booking = make_booking(rental)
    for path in ("/api/v3/bookings", "/api/v3/bookings/", f"/api/v3/bookings/{booking.pk}/"):
        assert api.get(path).status_code == 200, path


def test_vnd_api_json_is_answered_when_asked(api, rental, make_booking):
    make_booking(rental)
    response = api.get("/api/v3/bookings", HTTP_ACCEPT="application/vnd.api+json")
    assert response["Content-Type"] == "application/vnd.api+json; charset=utf-8"
    assert response.json()["bookings"]


def test_a_body_sent_with_get_is_ignored(api, rental, make_booking):
    make_booking(rental)
    response = api.generic("GET", "/api/v3/bookings", "{not json", content_type="application/json")
    assert response.status_code == 200
    assert len(response.json()["bookings"]) == 1
