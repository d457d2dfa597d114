"""booking_delete (Overbooked's DELETE): the booking and its fees, taxes and comments go,
by account and id; a booking something else keeps (a payment share, a calendar feed's
entry) is a 422 and nothing is deleted."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingComment, BookingFee, BookingTax
from calendars.models import CalendarFeed, FeedEntry
from core.errors import ValidationFailed
from events.models import Event
from payments.models import BookingsPayment, Payment
from tests.factories import TEST_ACTOR, at, make_booking

pytestmark = pytest.mark.django_db


def test_deleting_takes_the_fees_and_comments_and_logs_the_event(rental):
    booking = make_booking(
        rental,
        at(3, 16),
        at(5, 10),
        bookings_fees=[{"name": "Cleaning", "price": "40"}],
        comments=[{"content": "late arrival"}],
    )
    fee = BookingFee.objects.get(booking=booking)
    BookingTax.objects.create(  # a tax on the fee: it goes before the fee it points at
        account_id=booking.account_id,
        booking=booking,
        taxable_type=BookingTax.TaxableType.BOOKINGS_FEE,
        bookings_fee=fee,
        name="VAT",
        amount="4.00",
    )
    services.booking_delete(booking=booking, actor=TEST_ACTOR)
    assert not Booking.objects.filter(pk=booking.pk).exists()
    assert not BookingFee.objects.filter(booking_id=booking.pk).exists()
    assert not BookingTax.objects.filter(booking_id=booking.pk).exists()
    assert not BookingComment.objects.filter(booking_id=booking.pk).exists()
    assert Event.objects.filter(resource_id=booking.pk, event="booking_destroyed").count() == 1


def _payment_share(booking: Booking) -> None:
    now = timezone.now()
    payment = Payment.objects.create(
        account_id=booking.account_id,
        amount_in_cents=1000,
        currency="EUR",
        kind="cash",
        paid_at=now,
        created_at=now,
        updated_at=now,
    )
    BookingsPayment.objects.create(
        account_id=booking.account_id,
        payment=payment,
        booking=booking,
        amount_in_cents=1000,
        created_at=now,
        updated_at=now,
    )


def _feed_entry(booking: Booking) -> None:
    feed = CalendarFeed.objects.create(
        account_id=booking.account_id, rental_id=booking.rental_id, name="Airbnb", url="x"
    )
    FeedEntry.objects.create(
        account_id=booking.account_id,
        feed=feed,
        key="uid-1@airbnb",
        booking=booking,
        start_date=booking.start_at.date(),
        end_date=booking.end_at.date(),
    )


@pytest.mark.parametrize(
    ("keep", "reason"),
    [(_payment_share, "has payments"), (_feed_entry, "comes from a calendar feed")],
)
def test_a_booking_kept_by_another_record_is_a_422_and_stays_whole(rental, keep, reason):
    booking = make_booking(
        rental, at(3, 16), at(5, 10), bookings_fees=[{"name": "Cleaning", "price": "40"}]
    )
    keep(booking)
    with pytest.raises(ValidationFailed) as raised:
        services.booking_delete(booking=booking, actor=TEST_ACTOR)
    assert raised.value.errors == {"booking": [f"{reason}; cancel it instead"]}
    assert Booking.objects.filter(pk=booking.pk).exists()
    assert BookingFee.objects.filter(booking=booking).count() == 1
    assert not Event.objects.filter(resource_id=booking.pk, event="booking_destroyed").exists()
