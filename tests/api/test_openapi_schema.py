"""The OpenAPI document: served, rendered, and true to the API (schemathesis, in-process)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookings.models import BookingComment, BookingFee, BookingTax

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_schema_is_served_as_openapi_3(client, db):
    response = client.get("/api/v3/schema?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    for path in (
        "/api/v3/bookings",
        "/api/v3/bookings/{id}",
        "/api/v3/rentals/{rental_id}/bookings",
        "/api/v3/bookings/{id}/add_bookings_fee",
        "/api/v3/bookings/{id}/remove_bookings_fee/{fee_id}",
        "/api/v3/bookings_fees",
        "/api/v3/bookings_taxes",
        "/api/v3/booking_comments",
        "/api/v3/rentals/{id}",
        "/api/v3/clients/{id}",
    ):
        assert path in document["paths"], path
    envelope = document["components"]["schemas"]["BookingsEnvelope"]
    assert set(envelope["properties"]) == {"links", "bookings", "meta"}


def test_docs_page_renders_the_schema(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"redoc" in response.content.lower()


@pytest.fixture
def shared_connection():
    """Requests through the real WSGI application share the test's connection and
    transaction; Django's per-request connection clean-up would close it mid-transaction
    (its test client prevents that the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(
    shared_connection, account, rental, guest, make_booking, make_application, make_token, settings
):
    """Real objects for generated ids to hit, and a token with every scope."""
    settings.API_RATE_LIMIT = 1_000_000
    booking = make_booking(
        rental,
        client_id=guest.pk,
        bookings_fees=[{"name": "Cleaning", "price": "10"}],
        bookings_taxes=[{"name": "VAT", "amount": "2"}],
        comments=[{"content": "hello"}],
    )
    token = make_token(make_application(account))
    return {
        "token": token.token,
        "account_slug": account.slug,
        "ids": {
            "bookings": booking.pk,
            "rentals": rental.pk,
            "clients": guest.pk,
            "bookings_fees": BookingFee.objects.get(booking=booking).pk,
            "bookings_taxes": BookingTax.objects.get(booking=booking).pk,
            "booking_comments": BookingComment.objects.get(booking=booking).pk,
        },
    }


# Loaded at collection: serving the schema needs no database, only the URLconf.
schema = schemathesis.openapi.from_wsgi("/api/v3/schema?format=json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema_and_never_errs(case, seeded):
    """Generated requests, half of them aimed at real objects: never a 5xx, and every
    answer (errors included) is documented and matches its schema."""
    resource = case.path.split("/")[3]
    if case.path_parameters and hash(repr(case.path_parameters)) % 2 == 0:
        if "id" in case.path_parameters and resource in seeded["ids"]:
            case.path_parameters["id"] = seeded["ids"][resource]
        if "rental_id" in case.path_parameters:
            case.path_parameters["rental_id"] = seeded["ids"]["rentals"]
        if "fee_id" in case.path_parameters:
            case.path_parameters["fee_id"] = seeded["ids"]["bookings_fees"]
        if "account_slug" in case.path_parameters:  # the OfficeRnD-compatible API
            case.path_parameters["account_slug"] = seeded["account_slug"]
        if "booking_id" in case.path_parameters:
            case.path_parameters["booking_id"] = seeded["ids"]["bookings"]
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded['token']}"}, checks=CHECKS)
