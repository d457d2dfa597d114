"""DESIGN §3 prices: discount, computed final price with fees and taxes, what is left to pay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bookings.errors import InvalidStatusChange
from bookings.models import Booking
from bookings.services import booking_cancel, booking_remove_fee
from core.errors import NotFound, ValidationFailed
from rentals.models import RentalsFee, Tax
from tests.domain.conftest import at, iso
from tests.factories import booking_add_fee, booking_create, booking_update

pytestmark = pytest.mark.django_db

D = Decimal


def _create(rental, clock, **fields) -> Booking:
    data = {"start_at": iso(at(0)), "end_at": iso(at(2)), "booked": True, **fields}
    booking = booking_create(rental=rental, data=data, now=clock)
    booking.refresh_from_db()
    return booking


def test_initial_rental_price_is_an_alias_of_initial_price(rental, clock):
    assert _create(rental, clock, initial_rental_price="321.5").initial_price == D("321.50")


def test_initial_price_wins_over_its_alias_when_both_are_given(rental, clock):
    booking = _create(rental, clock, initial_price="300", initial_rental_price="999")
    assert booking.initial_price == D("300.00")


@pytest.mark.parametrize(
    ("discount", "final_rental_price"),
    [("", "500.00"), ("100", "400.00"), ("10%", "450.00"), ("12.5%", "437.50"), ("0", "500.00")],
)
def test_final_rental_price_is_the_initial_price_less_the_discount(
    rental, clock, discount, final_rental_price
):
    booking = _create(rental, clock, initial_price="500", discount=discount)
    assert booking.final_rental_price == D(final_rental_price)
    assert booking.final_price == D(final_rental_price)


def test_without_any_price_there_is_no_final_price(rental, clock):
    booking = _create(rental, clock)
    assert booking.final_rental_price is None
    assert booking.final_price is None
    assert booking.payment_left_to_collect is None


def test_final_price_adds_fees_and_taxes_not_included_in_price(rental, clock):
    booking = _create(
        rental,
        clock,
        initial_price="500",
        discount="10%",
        bookings_fees=[
            {"name": "Cleaning", "price": "25", "times_booked": 2},
            {"name": {"en": "Linen", "fr": "Draps"}, "price": "30", "included_in_price": True},
        ],
        bookings_taxes=[
            {"name": "Tourist tax", "amount": "20"},
            {"name": "VAT", "amount": "15", "percentage": "10", "included": True},
        ],
    )
    # 450 after discount + 25 × 2 + 20; the included fee and tax are already in the price.
    assert booking.final_price == D("520.00")
    assert not booking.final_price_is_manual
    fees = list(booking.bookings_fees.order_by("id"))
    assert [(f.name, f.total) for f in fees] == [("Cleaning", D("50.00")), ("Linen", D("30.00"))]
    assert [t.included_in_price for t in booking.bookings_taxes.order_by("id")] == [False, True]


def test_a_given_final_price_is_kept_as_given(rental, clock):
    booking = _create(
        rental,
        clock,
        initial_price="500",
        final_price="480",
        bookings_fees=[{"name": "Cleaning", "price": "25"}],
    )
    assert booking.final_price == D("480.00")
    assert booking.final_price_is_manual


def test_fees_from_the_rental_catalogue_take_its_name_price_and_inclusion(rental, clock, account):
    catalogue = RentalsFee.objects.create(
        account=account, rental=rental, name="Cleaning", price=D("60"), required=True
    )
    tax = Tax.objects.create(account=account, name="City tax", percentage=D("5"))
    booking = _create(
        rental,
        clock,
        initial_price="100",
        bookings_fees=[{"rentals_fee_id": catalogue.pk}],
        bookings_taxes=[
            {
                "tax_id": tax.pk,
                "amount": "3",
                "taxable_type": "BookingsFee",
                "taxable_id": catalogue.pk,
            }
        ],
    )
    fee = booking.bookings_fees.get()
    assert (fee.name, fee.price, fee.required, fee.rentals_fee) == ("Cleaning", 60, True, catalogue)
    booking_tax = booking.bookings_taxes.get()
    assert (booking_tax.name, booking_tax.percentage, booking_tax.bookings_fee) == (
        "City tax",
        D("5"),
        fee,
    )
    assert booking_tax.taxable_id == fee.pk
    assert booking.final_price == D("163.00")


def test_a_fee_of_another_rental_is_rejected(rental, clock, account, make_rental):
    foreign = RentalsFee.objects.create(
        account=account, rental=make_rental(account), name="Cleaning", price=D("60")
    )
    with pytest.raises(ValidationFailed) as caught:
        _create(rental, clock, bookings_fees=[{"rentals_fee_id": foreign.pk}])
    assert "bookings_fees.0.rentals_fee_id" in caught.value.errors
    assert not Booking.objects.exists()


def test_a_bad_nested_tax_rolls_back_the_whole_booking(rental, clock):
    with pytest.raises(ValidationFailed) as caught:
        _create(
            rental,
            clock,
            bookings_fees=[{"name": "Cleaning", "price": "25"}],
            bookings_taxes=[{"name": "Tax", "amount": "1", "taxable_type": "BookingsFee"}],
        )
    assert "bookings_taxes.0.taxable_id" in caught.value.errors
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("fee", "field"),
    [
        ({"price": "10"}, "bookings_fees.0.name"),
        ({"name": "Cleaning"}, "bookings_fees.0.price"),
        ({"name": "Cleaning", "price": "-1"}, "bookings_fees.0.price"),
        ({"name": "Cleaning", "price": "1", "times_booked": 0}, "bookings_fees.0.times_booked"),
    ],
)
def test_bad_fees_are_rejected_naming_the_fee_field(rental, clock, fee, field):
    with pytest.raises(ValidationFailed) as caught:
        _create(rental, clock, bookings_fees=[fee])
    assert field in caught.value.errors


def test_adding_and_removing_a_fee_reprices_a_computed_final_price(rental, clock):
    booking = _create(rental, clock, initial_price="500", discount="100")
    assert booking.final_price == D("400.00")
    later = clock + dt.timedelta(hours=1)
    fee = booking_add_fee(
        booking=booking, data={"name": "Cleaning", "price": "40", "times_booked": 3}, now=later
    )
    booking.refresh_from_db()
    assert booking.final_price == D("520.00")
    assert booking.updated_at == later
    booking_add_fee(
        booking=booking, data={"name": "Linen", "price": "99", "included_in_price": True}, now=later
    )
    booking.refresh_from_db()
    assert booking.final_price == D("520.00")
    booking_remove_fee(booking=booking, fee_id=fee.pk, now=later)
    booking.refresh_from_db()
    assert booking.final_price == D("400.00")
    assert list(booking.bookings_fees.values_list("name", flat=True)) == ["Linen"]


def test_adding_a_fee_leaves_a_manual_final_price_alone(rental, clock):
    booking = _create(rental, clock, initial_price="500", final_price="450")
    fee = booking_add_fee(booking=booking, data={"name": "Cleaning", "price": "40"}, now=clock)
    booking.refresh_from_db()
    assert booking.final_price == D("450.00")
    booking_remove_fee(booking=booking, fee_id=fee.pk, now=clock)
    booking.refresh_from_db()
    assert booking.final_price == D("450.00")


def test_removing_a_fee_that_would_drop_the_price_to_the_payback_is_refused(rental, clock):
    booking = _create(
        rental,
        clock,
        initial_price="500",
        final_payback_to_owner="520",
        bookings_fees=[{"name": "Cleaning", "price": "40"}],
    )
    assert booking.final_price == D("540.00")
    fee = booking.bookings_fees.get()
    with pytest.raises(ValidationFailed) as caught:
        booking_remove_fee(booking=booking, fee_id=fee.pk, now=clock)
    assert list(caught.value.errors) == ["final_payback_to_owner"]
    booking.refresh_from_db()
    assert booking.final_price == D("540.00")
    assert booking.bookings_fees.count() == 1


def test_removing_a_fee_of_another_booking_is_not_found(rental, clock):
    booking = _create(rental, clock)
    other = _create(rental.__class__.objects.create(account=rental.account, name="B"), clock)
    fee = booking_add_fee(booking=other, data={"name": "Cleaning", "price": "1"}, now=clock)
    with pytest.raises(NotFound):
        booking_remove_fee(booking=booking, fee_id=fee.pk, now=clock)
    assert other.bookings_fees.count() == 1


def test_fees_of_a_canceled_booking_cannot_change(rental, clock):
    booking = _create(rental, clock, bookings_fees=[{"name": "Cleaning", "price": "1"}])
    fee = booking.bookings_fees.get()
    booking_cancel(booking=booking, now=clock)
    with pytest.raises(InvalidStatusChange):
        booking_add_fee(booking=booking, data={"name": "Late", "price": "1"}, now=clock)
    with pytest.raises(InvalidStatusChange):
        booking_remove_fee(booking=booking, fee_id=fee.pk, now=clock)
    assert booking.bookings_fees.count() == 1


def test_a_bad_added_fee_is_rejected_and_changes_nothing(rental, clock):
    booking = _create(rental, clock, initial_price="100")
    with pytest.raises(ValidationFailed):
        booking_add_fee(booking=booking, data={"name": "Cleaning", "price": "x"}, now=clock)
    booking.refresh_from_db()
    assert booking.final_price == D("100.00")
    assert not booking.bookings_fees.exists()


def test_changing_the_price_or_discount_recomputes_the_final_price(rental, clock):
    booking = _create(
        rental, clock, initial_price="500", bookings_fees=[{"name": "Cleaning", "price": "50"}]
    )
    booking_update(booking=booking, data={"initial_price": "600", "discount": "50%"}, now=clock)
    booking.refresh_from_db()
    assert booking.final_price == D("350.00")


def test_clearing_a_manual_final_price_returns_to_the_computed_one(rental, clock):
    booking = _create(rental, clock, initial_price="500", final_price="999")
    booking_update(booking=booking, data={"final_price": None}, now=clock)
    booking.refresh_from_db()
    assert booking.final_price == D("500.00")
    assert not booking.final_price_is_manual


def test_payment_left_to_collect_is_the_final_price_less_what_was_paid(rental, clock):
    booking = _create(rental, clock, final_price="480")
    assert booking.paid_amount == D("0.00")
    assert booking.bookings_payments_count == 0
    assert booking.payment_left_to_collect == D("480.00")
    # Recording payments is a later feature; the stored sum is what counts.
    Booking.objects.filter(pk=booking.pk).update(paid_amount=D("130.50"))
    booking.refresh_from_db()
    assert booking.payment_left_to_collect == D("349.50")


def test_balance_is_due_the_rentals_balance_days_before_arrival(rental, clock):
    booking = _create(rental, clock)  # created a week before arrival
    assert booking.created_at == clock
    assert booking.balance_due_at == clock  # 30 days before arrival is already past
    far = booking_create(
        rental=rental,
        data={"start_at": iso(at(60)), "end_at": iso(at(62)), "booked": True},
        now=clock,
    )
    assert far.balance_due_at == at(30)
    rental.balance_due_days = 7
    rental.save()
    far.refresh_from_db()
    assert far.balance_due_at == at(53)
