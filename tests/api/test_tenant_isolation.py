"""Another account's objects are a 404 for every method, never a 403 and never its data."""

from __future__ import annotations

import pytest

from bookings.models import Booking, BookingComment, BookingFee, BookingTax, Client
from tests.api.conftest import wrap


@pytest.fixture
def theirs(other_account, make_rental, make_booking):
    rental = make_rental(other_account, name="Their Flat")
    client = Client.objects.create(account=other_account, fullname="Their Guest")
    booking = make_booking(
        rental,
        client_id=client.pk,
        bookings_fees=[{"name": "Cleaning", "price": "10"}],
        bookings_taxes=[{"name": "VAT", "amount": "2"}],
        comments=[{"content": "theirs"}],
    )
    return {
        "rental": rental,
        "client": client,
        "booking": booking,
        "fee": BookingFee.objects.get(booking=booking),
        "tax": BookingTax.objects.get(booking=booking),
        "comment": BookingComment.objects.get(booking=booking),
    }


def requests(t):
    b, fee = t["booking"].pk, t["fee"].pk
    body = wrap("bookings", adults=1)
    return [
        ("get", f"/api/v3/bookings/{b}", None),
        ("put", f"/api/v3/bookings/{b}", body),
        ("patch", f"/api/v3/bookings/{b}", body),
        ("delete", f"/api/v3/bookings/{b}", None),
        (
            "patch",
            f"/api/v3/bookings/{b}/add_bookings_fee",
            wrap("bookings_fees", name="X", price=1),
        ),
        ("patch", f"/api/v3/bookings/{b}/remove_bookings_fee/{fee}", None),
        ("post", f"/api/v3/rentals/{t['rental'].pk}/bookings", wrap("bookings", booked=True)),
        ("get", f"/api/v3/rentals/{t['rental'].pk}", None),
        ("put", f"/api/v3/rentals/{t['rental'].pk}", wrap("rentals", name="Mine now")),
        ("patch", f"/api/v3/rentals/{t['rental'].pk}", wrap("rentals", name="Mine now")),
        ("delete", f"/api/v3/rentals/{t['rental'].pk}", None),
        ("get", f"/api/v3/clients/{t['client'].pk}", None),
        ("put", f"/api/v3/clients/{t['client'].pk}", wrap("clients", fullname="Mine")),
        ("patch", f"/api/v3/clients/{t['client'].pk}", wrap("clients", fullname="Mine")),
        ("get", f"/api/v3/bookings_fees/{fee}", None),
        ("get", f"/api/v3/bookings_taxes/{t['tax'].pk}", None),
        ("get", f"/api/v3/booking_comments/{t['comment'].pk}", None),
    ]


def test_every_method_on_another_accounts_object_is_a_404(api, theirs):
    for method, path, body in requests(theirs):
        response = getattr(api, method)(path, body, format="json")
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["errors"][0]["code"] == "not_found"
    booking = Booking.objects.get(pk=theirs["booking"].pk)
    assert booking.status == Booking.Status.BOOKED and booking.adults is None
    assert BookingFee.objects.filter(pk=theirs["fee"].pk).exists()
    theirs["rental"].refresh_from_db()
    assert theirs["rental"].name == "Their Flat"


def test_lists_never_show_another_accounts_records(api, theirs, rental, make_booking):
    mine = make_booking(rental)
    assert [r["id"] for r in api.get("/api/v3/bookings").json()["bookings"]] == [mine.pk]
    everything = {"from": "2000-01-01", "include_canceled": "true", "updated_since": "2000-01-01"}
    assert [r["id"] for r in api.get("/api/v3/bookings", everything).json()["bookings"]] == [
        mine.pk
    ]
    for path in ("rentals", "clients", "bookings_fees", "bookings_taxes", "booking_comments"):
        records = api.get(f"/api/v3/{path}").json()[path]
        assert all(r["links"]["account"] == rental.account_id for r in records), path


def test_a_comma_list_shows_only_own_ids(api, theirs, rental, make_booking):
    mine = make_booking(rental)
    body = api.get(f"/api/v3/bookings/{mine.pk},{theirs['booking'].pk}").json()
    assert [record["id"] for record in body["bookings"]] == [mine.pk]


def test_another_accounts_client_cannot_be_attached_to_a_booking(api, theirs, rental, now):
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap(
            "bookings",
            booked=True,
            client_id=theirs["client"].pk,
            start_at="2031-05-01",
            end_at="2031-05-03",
        ),
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "client_id"


def test_searching_by_another_accounts_rental_finds_nothing(api, theirs):
    response = api.get("/api/v3/bookings", {"rental_id": str(theirs["rental"].pk)})
    assert response.json()["bookings"] == []
