"""Payments and bookings_payments over the v3 API (DESIGN §14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from tests import factories as booking_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


def make_booking(rental, days: int, price: str = "1000") -> object:
    start = timezone.now().date() + dt.timedelta(days=days)
    return booking_services.booking_create(
        rental=rental,
        data={
            "booked": True,
            "start_at": start.isoformat(),
            "end_at": (start + dt.timedelta(days=2)).isoformat(),
            "initial_price": price,
        },
    )


def paid_at() -> str:
    return (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def payment_body(**fields) -> dict:
    fields.setdefault("amount_in_cents", 25000)
    fields.setdefault("currency", "EUR")
    fields.setdefault("kind", "cash")
    fields.setdefault("paid_at", paid_at())
    return {"payments": [fields]}


def booking_record(api, booking) -> dict:
    return api.get(f"/api/v3/bookings/{booking.pk}").json()["bookings"][0]


def test_a_payment_of_a_booking_counts_in_its_paid_amount(api, rental):
    booking = make_booking(rental, 5)
    response = api.post(
        f"/api/v3/bookings/{booking.pk}/payments", payment_body(fullname="John Doe"), format="json"
    )
    assert response.status_code == 201, response.json()
    (payment,) = response.json()["payments"]
    assert response["Location"].endswith(f"/api/v3/payments/{payment['id']}")
    assert payment["amount_in_cents"] == 25000
    assert payment["kind"] == "cash"
    assert payment["canceled_at"] is None
    assert payment["links"]["bookings"] == [booking.pk]
    assert payment["fullname"] == "John Doe"
    assert payment["description"].startswith("Payment for Seaside Flat from ")
    record = booking_record(api, booking)
    assert record["paid_amount"] == "250.00"
    assert record["bookings_payments_count"] == 1
    assert record["payment_left_to_collect"] == "750.00"
    events = list(Event.objects.order_by("id").values_list("event", "resource_type"))
    assert ("payment_created", "payment") in events
    assert ("booking_updated", "booking") in events


def test_shares_split_a_payment_and_cancel_releases_them(api, rental):
    first, second = make_booking(rental, 5), make_booking(rental, 10)
    body = payment_body(
        amount_in_cents=30000,
        bookings_payments=[
            {"booking_id": first.pk, "amount_in_cents": 10000},
            {"booking_id": second.pk, "amount_in_cents": 20000},
        ],
    )
    response = api.post("/api/v3/payments", body, format="json")
    assert response.status_code == 201, response.json()
    payment_id = response.json()["payments"][0]["id"]
    assert booking_record(api, first)["paid_amount"] == "100.00"
    assert booking_record(api, second)["paid_amount"] == "200.00"
    shares = api.get("/api/v3/bookings_payments").json()
    assert shares["links"]["bookings_payments.payment"].endswith(
        "/api/v3/payments/{bookings_payments.payment}"
    )
    assert sorted(
        (s["links"]["booking"], s["amount_in_cents"], s["currency"], s["links"]["rental"])
        for s in shares["bookings_payments"]
    ) == sorted([(first.pk, 10000, "EUR", rental.pk), (second.pk, 20000, "EUR", rental.pk)])
    assert api.delete(f"/api/v3/payments/{payment_id}").status_code == 204
    assert api.delete(f"/api/v3/payments/{payment_id}").status_code == 204  # idempotent
    payment = api.get(f"/api/v3/payments/{payment_id}").json()["payments"][0]
    assert payment["canceled_at"] is not None
    record = booking_record(api, first)
    assert (record["paid_amount"], record["bookings_payments_count"]) == ("0.00", 0)
    assert (
        api.patch(
            f"/api/v3/payments/{payment_id}", payment_body(notes="x"), format="json"
        ).status_code
        == 422
    )


def test_update_replaces_the_amount_and_shares(api, rental):
    booking = make_booking(rental, 5)
    response = api.post(f"/api/v3/bookings/{booking.pk}/payments", payment_body(), format="json")
    payment_id = response.json()["payments"][0]["id"]
    response = api.put(
        f"/api/v3/payments/{payment_id}",
        {
            "payments": [
                {
                    "amount_in_cents": 50000,
                    "bookings_payments": [{"booking_id": booking.pk, "amount_in_cents": 50000}],
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert booking_record(api, booking)["paid_amount"] == "500.00"
    assert Event.objects.filter(event="payment_updated").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "bitcoin"}, "kind"),
        ({"currency": "XXX"}, "currency"),
        ({"amount_in_cents": -1}, "amount_in_cents"),
        ({"amount_in_cents": 10**15}, "amount_in_cents"),
        ({"paid_at": "2199-12-31T23:00:00Z"}, "paid_at"),
        ({"paid_at": "yesterday"}, "paid_at"),
        ({"paid_at": None}, "paid_at"),
        ({"currency": "USD"}, "bookings_payments"),
        ({"notes": "x" * 6001}, "notes"),
    ],
)
def test_bad_payments_are_422_naming_the_field(api, rental, fields, field):
    booking = make_booking(rental, 5)
    response = api.post(
        f"/api/v3/bookings/{booking.pk}/payments", payment_body(**fields), format="json"
    )
    assert response.status_code == 422, response.json()
    assert field in {error.get("field") for error in response.json()["errors"]}


def test_shares_may_not_exceed_the_amount_nor_cross_accounts(
    api, rental, other_account, make_rental
):
    booking = make_booking(rental, 5)
    foreign = make_booking(make_rental(other_account, currency="EUR"), 5)
    over = payment_body(
        amount_in_cents=100, bookings_payments=[{"booking_id": booking.pk, "amount_in_cents": 101}]
    )
    assert api.post("/api/v3/payments", over, format="json").status_code == 422
    crossing = payment_body(
        amount_in_cents=100, bookings_payments=[{"booking_id": foreign.pk, "amount_in_cents": 100}]
    )
    response = api.post("/api/v3/payments", crossing, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "bookings_payments"
    assert (
        api.post(
            f"/api/v3/bookings/{foreign.pk}/payments", payment_body(), format="json"
        ).status_code
        == 404
    )


def test_scopes(make_api, account, rental):
    booking = make_booking(rental, 5)
    reader = make_api(account, "public payments_read")
    assert reader.get("/api/v3/payments").status_code == 200
    assert reader.get("/api/v3/bookings_payments").status_code == 200
    response = reader.post(f"/api/v3/bookings/{booking.pk}/payments", payment_body(), format="json")
    assert response.status_code == 403
    assert "payments_write" in response.json()["errors"][0]["title"]
    assert make_api(account, "public bookings_read").get("/api/v3/payments").status_code == 403


@pytest.mark.parametrize("count", [2, 6])
def test_the_booking_list_reads_paid_amounts_without_extra_queries(api, rental, count):
    for index in range(count):
        booking = make_booking(rental, 5 + 3 * index)
        api.post(f"/api/v3/bookings/{booking.pk}/payments", payment_body(), format="json")
    api.get("/api/v3/bookings")
    with CaptureQueriesContext(connection) as queries:
        records = api.get("/api/v3/bookings").json()["bookings"]
    assert {r["paid_amount"] for r in records} == {"250.00"}  # read from the booking row
    # links.bookings_payments: the shares' ids come in the one statement that also reads
    # the fee, tax and comment ids of the page (bookings.selectors.attach_link_ids).
    payment_reads = [q["sql"] for q in queries if "payments_bookingspayment" in q["sql"]]
    assert len(payment_reads) == 1 and "bookings_bookingfee" in payment_reads[0]
    assert sorted(len(r["links"]["bookings_payments"]) for r in records) == [1] * count


def test_a_booking_links_the_shares_of_its_payments_not_canceled(api, rental):
    booking = make_booking(rental, 5)
    first, second = (
        api.post(f"/api/v3/bookings/{booking.pk}/payments", payment_body(), format="json").json()
        for _ in range(2)
    )
    shares = api.get("/api/v3/bookings_payments").json()["bookings_payments"]
    share_of = {share["links"]["payment"]: share["id"] for share in shares}
    record = booking_record(api, booking)
    expected = sorted(share_of[p["payments"][0]["id"]] for p in (first, second))
    assert record["links"]["bookings_payments"] == expected
    assert api.delete(f"/api/v3/payments/{first['payments'][0]['id']}").status_code == 204
    record = booking_record(api, booking)
    assert record["links"]["bookings_payments"] == [share_of[second["payments"][0]["id"]]]
    assert record["bookings_payments_count"] == 1
