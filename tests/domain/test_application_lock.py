"""DESIGN §4 locked bookings: other applications may change only three fields."""

from __future__ import annotations

import pytest

from bookings.errors import BookingLocked
from bookings.models import Booking
from bookings.services import booking_cancel, booking_remove_fee
from tests.domain.conftest import at, iso
from tests.factories import booking_add_fee, booking_create, booking_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_application, account):
    return make_application(account, "public bookings_write_owned")


@pytest.fixture
def stranger(make_application, account):
    return make_application(account)


@pytest.fixture
def locked(rental, clock, owner) -> Booking:
    return booking_create(
        rental=rental,
        data={
            "start_at": iso(at(1)),
            "end_at": iso(at(3)),
            "booked": True,
            "initial_price": "500",
            "bookings_fees": [{"name": "Cleaning", "price": "50"}],
        },
        application_id=owner.pk,
        lock_to_application=True,
        now=clock,
    )


def test_a_booking_created_locked_names_its_application(locked, owner):
    assert locked.locked
    assert locked.application_id == owner.pk
    assert locked.locked_by == f"application-{owner.pk}"


def test_a_booking_is_not_locked_unless_asked_or_without_an_application(rental, clock, owner):
    data = {"start_at": iso(at(1)), "end_at": iso(at(3)), "booked": True}
    unlocked = booking_create(rental=rental, data=data, application_id=owner.pk, now=clock)
    assert not unlocked.locked
    assert unlocked.locked_by is None
    booking_cancel(booking=unlocked, now=clock)
    back_office = booking_create(rental=rental, data=data, lock_to_application=True, now=clock)
    assert not back_office.locked


def test_another_application_may_change_the_three_open_fields(locked, stranger, clock):
    booking_update(
        booking=locked,
        data={
            "expected_checkin_time": "15",
            "expected_checkout_time": "11:30",
            "rental_payback_to_owner": "100",
        },
        application_id=stranger.pk,
        now=clock,
    )
    locked.refresh_from_db()
    assert (locked.expected_checkin_time, locked.expected_checkout_time) == ("15:00", "11:30")
    assert locked.rental_payback_to_owner == 100


@pytest.mark.parametrize(
    "data",
    [
        {"notes": "mine now"},
        {"start_at": iso(at(2))},
        {"unavailable": True},
        {"final_price": "1"},
        {"expected_checkin_time": "15", "adults": 2},
    ],
)
def test_another_application_may_not_change_anything_else(locked, stranger, clock, data):
    with pytest.raises(BookingLocked) as caught:
        booking_update(booking=locked, data=data, application_id=stranger.pk, now=clock)
    assert set(caught.value.errors) == set(data) - {"expected_checkin_time"}
    fresh = Booking.objects.get(pk=locked.pk)
    assert (fresh.notes, fresh.start_at, fresh.status, fresh.adults) == (
        "",
        at(1),
        "booked",
        None,
    )


def test_another_application_may_not_cancel_or_change_fees(locked, stranger, clock):
    fee = locked.bookings_fees.get()
    with pytest.raises(BookingLocked):
        booking_cancel(booking=locked, application_id=stranger.pk, now=clock)
    with pytest.raises(BookingLocked):
        booking_add_fee(
            booking=locked, data={"name": "x", "price": "1"}, application_id=stranger.pk, now=clock
        )
    with pytest.raises(BookingLocked):
        booking_remove_fee(booking=locked, fee_id=fee.pk, application_id=stranger.pk, now=clock)
    locked.refresh_from_db()
    assert locked.status == Booking.Status.BOOKED
    assert locked.bookings_fees.count() == 1


@pytest.mark.parametrize("who", ["owner", "back office"])
def test_the_creating_application_and_the_back_office_may_change_anything(
    locked, owner, clock, who
):
    application_id = owner.pk if who == "owner" else None
    booking_update(
        booking=locked,
        data={"notes": "changed", "start_at": iso(at(2)), "unavailable": True},
        application_id=application_id,
        now=clock,
    )
    fee = booking_add_fee(
        booking=locked,
        data={"name": "Linen", "price": "5"},
        application_id=application_id,
        now=clock,
    )
    booking_remove_fee(booking=locked, fee_id=fee.pk, application_id=application_id, now=clock)
    booking_cancel(booking=locked, application_id=application_id, now=clock)
    locked.refresh_from_db()
    assert (locked.notes, locked.start_at, locked.status) == ("changed", at(2), "canceled")


def test_an_unlocked_booking_of_another_application_is_open_to_all(rental, clock, owner, stranger):
    booking = booking_create(
        rental=rental,
        data={"start_at": iso(at(1)), "end_at": iso(at(3)), "booked": True},
        application_id=owner.pk,
        now=clock,
    )
    booking_update(booking=booking, data={"notes": "ok"}, application_id=stranger.pk, now=clock)
    booking.refresh_from_db()
    assert booking.notes == "ok"
