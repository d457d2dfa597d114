"""Payments and their shares per booking (BookingSync's payments and bookings_payments).

A booking's `paid_amount` and `bookings_payments_count` are kept on the booking row by
payments/services.py, in the payment's transaction, so reading a booking costs nothing
extra: they are the sum and number of its shares of non-canceled payments (DESIGN §14).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Account
from bookings.models import Booking


class Payment(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", "Cash"
        CHEQUE = "cheque", "Cheque"
        CREDITS = "credits", "Credits"
        CREDIT_CARD = "credit-card", "Credit card"
        ONLINE = "online", "Online"
        PAYPAL = "paypal", "PayPal"
        TRAVEL_CHEQUE = "travel-cheque", "Travel cheque"
        WIRETRANSFER = "wiretransfer", "Wire transfer"

    # Cents in a payment: the booking columns (12 digits, 2 decimals) hold every sum.
    MAX_AMOUNT_IN_CENTS = 10**11 - 1

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amount_in_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    paid_at = models.DateTimeField()
    canceled_at = models.DateTimeField(null=True, blank=True)
    transaction_id = models.CharField(max_length=255, blank=True)
    fullname = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    locale = models.CharField(max_length=10, blank=True)
    address1 = models.CharField(max_length=100, blank=True)
    address2 = models.CharField(max_length=100, blank=True)
    zip = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_in_cents__gte=0), name="payment_amount_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["account", "id"], name="payment_account")]

    def __str__(self) -> str:
        return f"payment {self.pk}: {(self.amount_in_cents or 0) / 100:.2f} {self.currency}"


class BookingsPayment(models.Model):
    """The part of a payment that goes to one booking."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="shares")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payment_shares")
    amount_in_cents = models.BigIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = "bookings payment"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_in_cents__gte=0), name="bookings_payment_amount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["account", "payment", "booking"],
                name="bookings_payment_one_share_per_booking",
            ),
        ]
        indexes = [models.Index(fields=["account", "id"], name="bookings_payment_account")]

    def __str__(self) -> str:
        return f"{self.amount_in_cents / 100:.2f} of payment {self.payment_id}"
