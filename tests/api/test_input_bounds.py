"""DESIGN §15 on booking bodies: every value bounded where it enters, a 422 naming it."""

from __future__ import annotations

import pytest

from tests.api.conftest import wrap

STAY = {"start_at": "2030-07-02", "end_at": "2030-07-04", "booked": True}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"initial_price": "1E+999999999999999999"}, "initial_price"),
        ({"initial_price": "10000000000"}, "initial_price"),
        ({"discount": "1" * 21}, "discount"),
        ({"door_key_code": "k" * 51}, "door_key_code"),
        ({"notes": "n" * 6001}, "notes"),
        ({"start_at": "1969-12-31T23:59:59Z"}, "start_at"),
        ({"end_at": "2200-01-01T00:00:00Z"}, "end_at"),
        ({"bookings_fees": [{"name": "x", "price": "1"}] * 101}, "bookings_fees"),
        ({"comments": [{"content": "c" * 6001}]}, "comments.0.content"),
        ({"bookings_fees": [{"name": "f" * 201, "price": "1"}]}, "bookings_fees.0.name"),
    ],
)
def test_a_value_outside_its_bound_is_a_422_naming_it(api, rental, fields, field):
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap("bookings", **{**STAY, **fields}),
        format="json",
    )
    assert response.status_code == 422, response.content
    assert field in {error["field"] for error in response.json()["errors"]}


def test_the_bounds_are_inclusive(api, rental):
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        wrap(
            "bookings",
            start_at="2199-12-30T00:00:00Z",
            end_at="2199-12-31T23:59:59Z",
            booked=True,
            bookings_fees=[{"name": "x", "price": "1"}] * 100,
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
