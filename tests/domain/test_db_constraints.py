"""The database's own checks on bookings: a raw INSERT that breaks one is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from tests.domain.conftest import at

pytestmark = pytest.mark.django_db


def _insert(rental, **overrides) -> None:
    """INSERT one booking row with raw SQL, bypassing the services and the ORM."""
    row = {
        "account_id": rental.account_id,
        "rental_id": rental.pk,
        "status": "booked",
        "start_at": at(1),
        "end_at": at(3),
        "tentative_expires_at": None,
        "adults": None,
        "locked": False,
        "discount": "",
        "final_price_is_manual": False,
        "paid_amount": 0,
        "bookings_payments_count": 0,
        "damage_deposit": 0,
        "charge_damage_deposit_on_arrival": True,
        "imported": False,
        "created_at": at(-30),
        "updated_at": at(-30),
        **overrides,
    }
    text_columns = [
        "currency",
        "damage_deposit_collection_method",
        "damage_deposit_external_collection_method_name",
        "expected_checkin_time",
        "expected_checkout_time",
        "door_key_code",
        "notes",
        "external_reference",
        "source",
        "cancelation_reason",
        "cancelation_message_to_guest",
        "cancelation_message_to_channel",
    ]
    for name in text_columns:
        row.setdefault(name, "")
    ops = connection.ops
    params = [
        ops.adapt_datetimefield_value(value) if isinstance(value, dt.datetime) else value
        for value in row.values()
    ]
    columns = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO bookings_booking ({columns}) VALUES ({marks})", params)


def test_a_valid_raw_row_is_accepted(rental):
    _insert(rental)
    _insert(rental, start_at=at(3), end_at=at(5))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bookings_booking")
        assert cursor.fetchone()[0] == 2


@pytest.mark.parametrize(("start", "end"), [(at(3), at(3)), (at(3), at(1))])
def test_the_database_refuses_a_booking_not_ending_after_it_starts(rental, start, end):
    with pytest.raises(IntegrityError, match="booking_starts_before_end"):
        _insert(rental, start_at=start, end_at=end)


def test_the_database_refuses_an_unknown_status(rental):
    with pytest.raises(IntegrityError, match="booking_status_known"):
        _insert(rental, status="Booked")


def test_the_database_refuses_a_hold_without_expiry(rental):
    with pytest.raises(IntegrityError, match="booking_tentative_has_expiry"):
        _insert(rental, status="tentative")
    _insert(rental, status="tentative", tentative_expires_at=at(-1))


def test_the_database_refuses_a_negative_guest_count(rental):
    with pytest.raises(IntegrityError, match="adults"):
        _insert(rental, adults=-1)


@pytest.mark.postgres
@pytest.mark.parametrize("status", ["booked", "unavailable", "tentative"])
def test_the_exclusion_constraint_refuses_an_overlapping_row(rental, status):
    _insert(rental, status="booked")
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        _insert(rental, status=status, start_at=at(2), end_at=at(4), tentative_expires_at=at(-1))


@pytest.mark.postgres
def test_the_exclusion_constraint_allows_touching_canceled_and_other_rentals(
    rental, account, make_rental
):
    _insert(rental)
    _insert(rental, start_at=at(3), end_at=at(5))  # half-open: touching is fine
    _insert(rental, status="canceled", start_at=at(2), end_at=at(4))
    _insert(make_rental(account), start_at=at(2), end_at=at(4))
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        _insert(rental, start_at=at(4), end_at=at(6))


@pytest.mark.postgres
def test_the_exclusion_constraint_refuses_reviving_an_overlapping_canceled_row(rental):
    _insert(rental)
    _insert(rental, status="canceled", start_at=at(2), end_at=at(4))
    revive = "UPDATE bookings_booking SET status = 'booked' WHERE status = 'canceled'"
    with (
        pytest.raises(IntegrityError, match="booking_no_overlap"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(revive)
