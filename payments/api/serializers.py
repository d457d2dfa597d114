"""Wire shapes of payments and bookings_payments (BookingSync v3), and the input parsed and
bounded at the edge into payments.services.PaymentInput."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

from core.currencies import SUPPORTED_CURRENCIES
from core.timefmt import utc_text
from core.timeparse import as_utc_instant
from payments.models import BookingsPayment, Payment
from payments.services import PaymentInput, Share

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
MAX_SHARES = 100


class PaymentLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    bookings = serializers.ListField(child=serializers.IntegerField())
    bookings_payments = serializers.ListField(child=serializers.IntegerField())


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_in_cents = serializers.IntegerField()
    currency = serializers.CharField()
    kind = serializers.ChoiceField(choices=Payment.Kind.values)
    paid_at = serializers.DateTimeField()
    canceled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    description = serializers.CharField()
    links = PaymentLinksSerializer()

    def to_representation(self, payment: Payment) -> dict[str, Any]:
        shares = list(payment.shares.all())  # prefetched by the view
        return {
            "links": {
                "account": payment.account_id,
                "bookings": [share.booking_id for share in shares],
                "bookings_payments": [share.pk for share in shares],
            },
            "id": payment.pk,
            "transaction_id": payment.transaction_id or None,
            "order_id": None,
            "card": None,
            "amount_in_cents": payment.amount_in_cents,
            "currency": payment.currency,
            "kind": payment.kind,
            "fullname": payment.fullname or None,
            "email": payment.email or None,
            "locale": payment.locale or None,
            "ip": None,
            "test": None,
            "notes": payment.notes or None,
            "paid_at": utc_text(payment.paid_at),
            "created_at": utc_text(payment.created_at),
            "updated_at": utc_text(payment.updated_at),
            "rejected_at": None,
            "canceled_at": utc_text(payment.canceled_at),
            "description": _description(shares),
            "address1": payment.address1 or None,
            "address2": payment.address2 or None,
            "zip": payment.zip or None,
            "city": payment.city or None,
            "state": payment.state or None,
            "country_code": payment.country_code or None,
            "forget_me_at": None,
            "processing_restricted_at": None,
        }


def _description(shares: list[BookingsPayment]) -> str:
    """BookingSync's generated text: the rental and the stay's local times."""
    parts = []
    for share in shares:
        booking = share.booking
        tz = booking.rental.tzinfo
        start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
        parts.append(
            f"Payment for {booking.rental.name} from {start:%A %d %b %Y, %I:%M %p} "
            f"to {end:%A %d %b %Y, %I:%M %p}"
        )
    return "; ".join(parts)


class BookingsPaymentLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    booking = serializers.IntegerField()
    payment = serializers.IntegerField()
    rental = serializers.IntegerField()


class BookingsPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_in_cents = serializers.IntegerField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = BookingsPaymentLinksSerializer()

    def to_representation(self, share: BookingsPayment) -> dict[str, Any]:
        return {
            "links": {
                "account": share.account_id,
                "booking": share.booking_id,
                "payment": share.payment_id,
                "rental": share.booking.rental_id,
            },
            "id": share.pk,
            "amount_in_cents": share.amount_in_cents,
            "currency": share.payment.currency,
            "created_at": utc_text(share.created_at),
            "updated_at": utc_text(share.updated_at),
        }


class ShareInputSerializer(serializers.Serializer):
    booking_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount_in_cents = serializers.IntegerField(min_value=0, max_value=Payment.MAX_AMOUNT_IN_CENTS)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True, **kwargs
    )


class PaymentInputSerializer(serializers.Serializer):
    """Every field of a payment, bounded once; `partial=True` on update."""

    amount_in_cents = serializers.IntegerField(min_value=0, max_value=Payment.MAX_AMOUNT_IN_CENTS)
    currency = serializers.ChoiceField(choices=sorted(SUPPORTED_CURRENCIES))
    kind = serializers.ChoiceField(choices=Payment.Kind.values)
    paid_at = serializers.CharField(max_length=40, help_text="a time, not in the future")
    transaction_id = _text(255)
    fullname = _text(200)
    email = _text(254)
    locale = _text(10)
    address1 = _text(100)
    address2 = _text(100)
    zip = _text(10)
    city = _text(100)
    state = _text(100)
    country_code = _text(2)
    notes = _text(6000)
    bookings_payments = serializers.ListField(
        child=ShareInputSerializer(), required=False, max_length=MAX_SHARES
    )

    def validate_paid_at(self, value: str) -> dt.datetime:
        try:
            instant = as_utc_instant(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if not EARLIEST <= instant <= LATEST:
            raise serializers.ValidationError("must be between 1970-01-01 and 2199-12-31")
        return instant

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name, value in attrs.items():
            if isinstance(value, str) and "\x00" in value:
                raise serializers.ValidationError({name: ["must not contain NUL characters"]})
        return attrs

    def to_input(self, *, default_booking_id: int | None = None) -> PaymentInput:
        data: dict[str, Any] = dict(self.validated_data)
        raw_shares = data.pop("bookings_payments", None)
        values: dict[str, Any] = {
            key: ("" if value is None else value) for key, value in data.items()
        }
        if "currency" in values:
            values["currency"] = values["currency"].upper()
        shares = None
        if raw_shares is not None:
            shares = [Share(s["booking_id"], s["amount_in_cents"]) for s in raw_shares]
        elif default_booking_id is not None and "amount_in_cents" in values:
            # POST /bookings/{id}/payments: the whole payment goes to that booking.
            shares = [Share(default_booking_id, values["amount_in_cents"])]
        return PaymentInput(**values, shares=shares)
