"""DESIGN §3 field constraints: each bad value is a 422 naming its field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookings.models import Booking
from core.errors import ValidationFailed
from tests.domain.conftest import at, iso
from tests.factories import booking_create, booking_update

pytestmark = pytest.mark.django_db

BASE = {"start_at": iso(at(0)), "end_at": iso(at(2)), "booked": True}


def _create(rental, clock, **fields) -> Booking:
    return booking_create(rental=rental, data={**BASE, **fields}, now=clock)


def _rejected(rental, clock, **fields) -> dict[str, list[str]]:
    before = Booking.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        _create(rental, clock, **fields)
    assert Booking.objects.count() == before
    return caught.value.errors


def test_notes_up_to_6000_characters_are_kept(rental, clock):
    assert len(_create(rental, clock, notes="n" * 6000).notes) == 6000


def test_notes_over_6000_characters_are_rejected(rental, clock):
    assert list(_rejected(rental, clock, notes="n" * 6001)) == ["notes"]


@pytest.mark.parametrize(
    ("discount", "stored"),
    [("", ""), (None, ""), ("100", "100"), ("10%", "10%"), (" 12.5 ", "12.5")],
)
def test_discount_is_blank_an_amount_or_a_percentage(rental, clock, discount, stored):
    assert _create(rental, clock, initial_price="500", discount=discount).discount == stored


@pytest.mark.parametrize("discount", ["ten", "-10", "10%%", "%10", "110%", "10 EUR", "1e2"])
def test_other_discounts_are_rejected(rental, clock, discount):
    assert list(_rejected(rental, clock, initial_price="500", discount=discount)) == ["discount"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [("", ""), (None, ""), ("12", "12:00"), ("12:30", "12:30"), ("9", "09:00"), ("23:59", "23:59")],
)
@pytest.mark.parametrize("name", ["expected_checkin_time", "expected_checkout_time"])
def test_expected_times_are_blank_or_a_time_of_day(rental, clock, name, given, stored):
    assert getattr(_create(rental, clock, **{name: given}), name) == stored


@pytest.mark.parametrize("given", ["24", "12:60", "noon", "12h30", "12:3", "-1", "12:30:00"])
@pytest.mark.parametrize("name", ["expected_checkin_time", "expected_checkout_time"])
def test_other_expected_times_are_rejected(rental, clock, name, given):
    assert list(_rejected(rental, clock, **{name: given})) == [name]


@pytest.mark.parametrize("name", ["commission", "downpayment"])
def test_commission_and_downpayment_need_a_final_price(rental, clock, name):
    assert list(_rejected(rental, clock, **{name: "50"})) == [name]


@pytest.mark.parametrize("name", ["commission", "downpayment"])
def test_commission_and_downpayment_are_kept_with_a_final_price(rental, clock, name):
    booking = _create(rental, clock, final_price="400", **{name: "50"})
    assert getattr(booking, name) == 50


def test_commission_is_accepted_with_a_computed_final_price(rental, clock):
    booking = _create(rental, clock, initial_price="400", commission="40")
    assert booking.final_price == 400
    assert booking.commission == 40


def test_an_update_cannot_leave_a_commission_without_a_final_price(rental, clock):
    booking = _create(rental, clock, final_price="400", commission="40")
    with pytest.raises(ValidationFailed) as caught:
        booking_update(booking=booking, data={"final_price": None}, now=clock)
    assert list(caught.value.errors) == ["commission"]


@pytest.mark.parametrize("payback", ["400", "400.01", "1000"])
def test_final_payback_to_owner_must_be_lower_than_final_price(rental, clock, payback):
    errors = _rejected(rental, clock, final_price="400", final_payback_to_owner=payback)
    assert list(errors) == ["final_payback_to_owner"]


def test_final_payback_to_owner_below_final_price_is_kept(rental, clock):
    booking = _create(rental, clock, final_price="400", final_payback_to_owner="399.99")
    assert str(booking.final_payback_to_owner) == "399.99"


def test_final_payback_to_owner_needs_a_final_price(rental, clock):
    assert list(_rejected(rental, clock, final_payback_to_owner="1")) == ["final_payback_to_owner"]


@pytest.mark.parametrize("payback", ["-0.01", "300", "301"])
def test_rental_payback_to_owner_is_at_least_zero_and_below_initial_price(rental, clock, payback):
    errors = _rejected(rental, clock, initial_price="300", rental_payback_to_owner=payback)
    assert list(errors) == ["rental_payback_to_owner"]


@pytest.mark.parametrize("payback", ["0", "299.99"])
def test_rental_payback_to_owner_in_range_is_kept(rental, clock, payback):
    booking = _create(rental, clock, initial_price="300", rental_payback_to_owner=payback)
    assert booking.rental_payback_to_owner == Decimal(payback)


def test_initial_rental_price_counts_for_the_rental_payback_rule(rental, clock):
    booking = _create(rental, clock, initial_rental_price="300", rental_payback_to_owner="100")
    assert booking.initial_price == 300
    errors = _rejected(rental, clock, initial_rental_price="300", rental_payback_to_owner="300")
    assert list(errors) == ["rental_payback_to_owner"]


def test_lowering_the_initial_price_below_the_rental_payback_is_rejected(rental, clock):
    booking = _create(rental, clock, initial_price="300", rental_payback_to_owner="200")
    with pytest.raises(ValidationFailed) as caught:
        booking_update(booking=booking, data={"initial_price": "150"}, now=clock)
    assert list(caught.value.errors) == ["rental_payback_to_owner"]


def test_damage_deposit_below_zero_is_rejected(rental, clock):
    assert list(_rejected(rental, clock, damage_deposit="-1")) == ["damage_deposit"]


@pytest.mark.parametrize(("given", "stored"), [("0", "0.00"), ("250.5", "250.50"), (None, "0.00")])
def test_damage_deposit_of_zero_or_more_is_kept(rental, clock, given, stored):
    assert str(_create(rental, clock, damage_deposit=given).damage_deposit) == stored


@pytest.mark.parametrize(("given", "stored"), [("", ""), ("USD", "USD"), ("gbp", "GBP")])
def test_currency_is_blank_or_a_supported_code(rental, clock, given, stored):
    assert _create(rental, clock, currency=given).currency == stored


def test_currency_defaults_to_the_rentals(rental, clock):
    assert _create(rental, clock).currency == "EUR"


@pytest.mark.parametrize("given", ["XXX", "EURO", "US", "BTC", 978])
def test_unsupported_currencies_are_rejected(rental, clock, given):
    assert list(_rejected(rental, clock, currency=given)) == ["currency"]


@pytest.mark.parametrize("name", ["adults", "children"])
@pytest.mark.parametrize(("given", "stored"), [(0, 0), (3, 3), ("2", 2), (None, None)])
def test_guest_counts_of_zero_or_more_are_kept(rental, clock, name, given, stored):
    assert getattr(_create(rental, clock, **{name: given}), name) == stored


@pytest.mark.parametrize("name", ["adults", "children"])
@pytest.mark.parametrize("given", [-1, "-2", "two", 1.5, True])
def test_guest_counts_below_zero_or_not_integers_are_rejected(rental, clock, name, given):
    assert list(_rejected(rental, clock, **{name: given})) == [name]


@pytest.mark.parametrize(
    "method", ["", "with_smily", "external", "smily_damage_deposit_with_swikly"]
)
def test_deposit_collection_method_is_one_of_the_three(rental, clock, method):
    booking = _create(rental, clock, damage_deposit_collection_method=method)
    assert booking.damage_deposit_collection_method == method


@pytest.mark.parametrize("method", ["cash", "EXTERNAL", "swikly"])
def test_other_deposit_collection_methods_are_rejected(rental, clock, method):
    errors = _rejected(rental, clock, damage_deposit_collection_method=method)
    assert list(errors) == ["damage_deposit_collection_method"]


def test_an_external_collection_method_name_goes_with_external(rental, clock):
    booking = _create(
        rental,
        clock,
        damage_deposit_collection_method="external",
        damage_deposit_external_collection_method_name="Bank transfer",
    )
    assert booking.damage_deposit_external_collection_method_name == "Bank transfer"


@pytest.mark.parametrize("method", [None, "", "with_smily", "smily_damage_deposit_with_swikly"])
def test_an_external_collection_method_name_without_external_is_rejected(rental, clock, method):
    fields = {"damage_deposit_external_collection_method_name": "Bank transfer"}
    if method is not None:
        fields["damage_deposit_collection_method"] = method
    errors = _rejected(rental, clock, **fields)
    assert list(errors) == ["damage_deposit_external_collection_method_name"]


def test_switching_away_from_external_with_a_name_kept_is_rejected(rental, clock):
    booking = _create(
        rental,
        clock,
        damage_deposit_collection_method="external",
        damage_deposit_external_collection_method_name="Bank transfer",
    )
    with pytest.raises(ValidationFailed) as caught:
        booking_update(
            booking=booking, data={"damage_deposit_collection_method": "with_smily"}, now=clock
        )
    assert list(caught.value.errors) == ["damage_deposit_external_collection_method_name"]


@pytest.mark.parametrize("name", ["initial_price", "final_price", "damage_deposit"])
@pytest.mark.parametrize("given", ["abc", "NaN", "Infinity", True, [1]])
def test_prices_must_be_numbers(rental, clock, name, given):
    assert list(_rejected(rental, clock, **{name: given})) == [name]


def test_every_bad_field_is_named_at_once(rental, clock):
    errors = _rejected(
        rental,
        clock,
        notes="n" * 6001,
        discount="ten",
        currency="XXX",
        adults=-1,
        damage_deposit="-5",
    )
    assert set(errors) == {"notes", "discount", "currency", "adults", "damage_deposit"}


def test_an_update_with_a_bad_field_changes_nothing(rental, clock):
    booking = _create(rental, clock, notes="keep me")
    with pytest.raises(ValidationFailed):
        booking_update(booking=booking, data={"notes": "x", "adults": -3}, now=clock)
    booking.refresh_from_db()
    assert booking.notes == "keep me"
    assert booking.adults is None


def test_unknown_client_is_rejected(rental, clock, other_account):
    from bookings.models import Client

    stranger = Client.objects.create(account=other_account, fullname="Not yours")
    assert list(_rejected(rental, clock, client_id=stranger.pk)) == ["client_id"]


def test_a_client_of_the_account_is_linked(rental, clock, guest):
    assert _create(rental, clock, client_id=guest.pk).client == guest
