"""What gets booked (Rental), its fee catalogue (RentalsFee) and the account's taxes (Tax)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Account
from core.dbfunctions import RandomUUID


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone")


# Ten years: more makes no sense for a balance and, subtracted from a start time near
# year 1, used to overflow every read of the booking (DESIGN §15).
MAX_BALANCE_DUE_DAYS = 3650
MAX_SUMMARY_LENGTH = 10_000
# Preparation time before / after a stay, in minutes: at most a week (DESIGN §9).
MAX_BUFFER_MINUTES = 10080


def buffer_field(help_text: str) -> models.PositiveIntegerField:
    """A buffer in minutes (0-10080); db_default so raw inserts (bench) need not name it."""
    return models.PositiveIntegerField(
        default=0,
        db_default=0,
        validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text=help_text,
    )


class Rental(models.Model):
    class Status(models.TextChoices):
        """Overbooked's resource status: a draft's slots cannot be booked (DESIGN §10)."""

        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="rentals")
    name = models.CharField(max_length=200)
    headline = models.CharField(max_length=300, blank=True)
    # Bounded like every text (DESIGN §15); checked by full_clean in services and admin.
    summary = models.TextField(blank=True, validators=[MaxLengthValidator(MAX_SUMMARY_LENGTH)])
    address1 = models.CharField("address", max_length=300, blank=True)
    address2 = models.CharField("address (line 2)", max_length=300, blank=True)
    zip = models.CharField("postal code", max_length=20, blank=True)
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField(max_length=120, blank=True)
    country_code = models.CharField("country", max_length=2, blank=True, help_text="ISO 3166-1")
    sleeps = models.PositiveIntegerField(null=True, blank=True, help_text="guests in beds")
    sleeps_max = models.PositiveIntegerField(null=True, blank=True, help_text="maximum guests")
    bedrooms_count = models.PositiveIntegerField(null=True, blank=True)
    bathrooms_count = models.PositiveIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    checkin_time = models.TimeField(default=dt.time(16, 0))
    checkout_time = models.TimeField(default=dt.time(10, 0))
    currency = models.CharField(max_length=3, default="EUR")
    balance_due_days = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(MAX_BALANCE_DUE_DAYS)],
        help_text=f"days before arrival the balance is due (0–{MAX_BALANCE_DUE_DAYS})",
    )
    buffer_before = buffer_field(
        "minutes of preparation before each new Booked or Tentative stay (0–10080)"
    )
    buffer_after = buffer_field(
        "minutes of preparation (cleaning) after each new Booked or Tentative stay (0–10080)"
    )
    # The Overbooked face of a rental (its "resource", DESIGN §10).
    public_id = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), editable=False)
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PUBLISHED,
        db_default=Status.PUBLISHED,
        help_text="draft: its slots cannot be booked (Overbooked)",
    )
    booking_disabled_before = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text="seconds before a slot starts when booking it stops (Overbooked)",
    )
    public_scheduling_enabled = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "updated_at", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_due_days__lte=MAX_BALANCE_DUE_DAYS),
                name="rental_balance_due_days_bounded",
            ),
            models.UniqueConstraint(fields=["account", "public_id"], name="rental_public_id"),
            models.CheckConstraint(
                condition=models.Q(
                    buffer_before__lte=MAX_BUFFER_MINUTES, buffer_after__lte=MAX_BUFFER_MINUTES
                ),
                name="rental_buffers_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def short_id(self) -> str:
        """Overbooked's short form of the id: the UUID's first 8 bytes, base64url."""
        return base64.urlsafe_b64encode(uuid.UUID(str(self.public_id)).bytes[:8]).decode()[:11]


class RentalsFee(models.Model):
    """A fee a rental offers (cleaning, linen…), copied into a booking as a BookingFee."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    rental = models.ForeignKey(Rental, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    required = models.BooleanField(default=False)
    included_in_price = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "rental fee"

    def __str__(self) -> str:
        return f"{self.name} ({self.price})"


class Tax(models.Model):
    """A tax the account charges (tourist tax, VAT…), copied into a booking as a BookingTax."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="taxes")
    name = models.CharField(max_length=200)
    percentage = models.DecimalField(
        max_digits=6, decimal_places=3, validators=[MinValueValidator(0)]
    )
    included_in_price = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "taxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.percentage}%)"
