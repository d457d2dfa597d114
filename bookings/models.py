"""Guests (Client), stays (Booking) and what a stay carries: fees, taxes and comments.

Bookings are written only by bookings/services.py; reads go through the verbs of
BookingQuerySet so that an expired hold is treated as canceled everywhere.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Account
from bookings.recurrence import MAX_RULE_LENGTH
from core.dbfunctions import RandomUUID
from core.fastload import FastLoadModel
from rentals.models import MAX_BUFFER_MINUTES, Rental, RentalsFee, Tax, buffer_field

REFERENCE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def reference_for(booking_id: int) -> str:
    """The id in base 36, upper-case, left-padded to 6 characters (500 -> 0000DW)."""
    digits = ""
    n = booking_id
    while n:
        n, remainder = divmod(n, 36)
        digits = REFERENCE_ALPHABET[remainder] + digits
    return (digits or "0").rjust(6, "0")


def id_for_reference(reference: str) -> int | None:
    """The booking id a reference names, or None if it is not a reference."""
    try:
        value = int(reference.strip(), 36)
    except ValueError:
        return None
    return value if value > 0 else None


class Client(models.Model):
    """The guest or customer who books."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="clients")
    fullname = models.CharField(max_length=300)
    firstname = models.CharField(max_length=150, blank=True)
    lastname = models.CharField(max_length=150, blank=True)
    emails = models.JSONField(default=list, blank=True, help_text="list of e-mail addresses")
    phones = models.JSONField(default=list, blank=True, help_text="list of phone numbers")
    notes = models.TextField(blank=True, max_length=6000)
    preferred_locale = models.CharField(max_length=10, blank=True)
    # Key/value data of the integration (DESIGN §10; rules in core/metadata.py).
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.fullname


class BookingSeries(models.Model):
    """A recurring series (DESIGN §9): the rule its occurrences were made from. Each
    occurrence is an ordinary Booking pointing here; the series row only remembers the
    rule and the conflict policy, so reads and the no-overlap rule never expand it."""

    class OnConflict(models.TextChoices):
        FAIL = "fail", "Fail"
        SKIP = "skip", "Skip"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="booking_series")
    rental = models.ForeignKey(Rental, on_delete=models.PROTECT, related_name="booking_series")
    rrule = models.CharField(max_length=MAX_RULE_LENGTH)
    on_conflict = models.CharField(
        max_length=4, choices=OnConflict.choices, default=OnConflict.FAIL
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "booking series"
        verbose_name_plural = "booking series"
        indexes = [models.Index(fields=["account", "id"], name="booking_series_account")]

    def __str__(self) -> str:
        return f"series {self.pk}: {self.rrule}"


class BookingQuerySet(models.QuerySet):
    """Reads with domain verbs. `now` is explicit so a request or a sweep uses one instant."""

    def for_account(self, account_id: int) -> BookingQuerySet:
        return self.filter(account_id=account_id)

    def expired_holds(self, now: dt.datetime) -> BookingQuerySet:
        return self.filter(status=Booking.Status.TENTATIVE, tentative_expires_at__lte=now)

    def blocking(self, now: dt.datetime) -> BookingQuerySet:
        """Bookings that occupy their period: booked, unavailable, or a live hold."""
        return self.filter(
            Q(status__in=[Booking.Status.BOOKED, Booking.Status.UNAVAILABLE])
            | Q(status=Booking.Status.TENTATIVE, tentative_expires_at__gt=now)
        )

    def canceled(self, now: dt.datetime) -> BookingQuerySet:
        """Canceled bookings, counting expired holds the sweep has not reached yet."""
        return self.filter(
            Q(status=Booking.Status.CANCELED)
            | Q(status=Booking.Status.TENTATIVE, tentative_expires_at__lte=now)
        )

    def with_status(self, statuses: list[str], now: dt.datetime) -> BookingQuerySet:
        """Bookings whose effective status (see Booking.status_at) is one of `statuses`."""
        condition = Q(pk__in=[])
        for status in statuses:
            if status == Booking.Status.TENTATIVE:
                condition |= Q(status=status, tentative_expires_at__gt=now)
            elif status == Booking.Status.CANCELED:
                condition |= Q(status=status) | Q(
                    status=Booking.Status.TENTATIVE, tentative_expires_at__lte=now
                )
            else:
                condition |= Q(status=status)
        return self.filter(condition)

    def ending_after(self, instant: dt.datetime) -> BookingQuerySet:
        """Bookings ending after `instant`, for the lists that read "not over yet" by start.

        On PostgreSQL the condition also carries the lower bound it implies on start_at:
        no booking starts before `instant` minus the longest booking stored, which one probe
        of the `booking_length` index reads (migration 0012) in the same statement. An index
        led by start_at then begins there instead of walking every past stay (at 1M bookings
        the admin's default list went from 385 ms to 12 ms, docs/performance.md). SQLite,
        the embedded size, keeps the plain condition.
        """
        bookings = self.filter(end_at__gt=instant)
        if connections[self.db].vendor != "postgresql":
            return bookings
        # Raw SQL because the ORM's subquery cost ~0.5 ms of Python to build and compile per
        # request (a third of a small search's floor); the table name comes from the model,
        # the instant is a parameter, and the expression is the index's own.
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        bound = RawSQL(  # noqa: S611
            f"%s - (SELECT max(end_at - start_at) FROM {table})",  # noqa: S608
            [instant],
            output_field=models.DateTimeField(),
        )
        return bookings.filter(start_at__gt=bound)

    def overlapping(self, start_at: dt.datetime, end_at: dt.datetime) -> BookingQuerySet:
        """Half-open intervals: a stay ending at 10:00 does not overlap one starting at 10:00."""
        return self.filter(start_at__lt=end_at, end_at__gt=start_at)


class Booking(FastLoadModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        TENTATIVE = "tentative", "Tentative"
        UNAVAILABLE = "unavailable", "Unavailable"
        CANCELED = "canceled", "Canceled"

    class CancelationReason(models.TextChoices):
        REQUESTED_BY_GUEST = "requested_by_guest", "Requested by guest"
        REQUESTED_BY_OWNER = "requested_by_owner", "Requested by owner"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        OVERBOOKED = "overbooked", "Overbooked"
        NO_SHOW = "no_show", "No show"
        TENTATIVE_EXPIRED = "tentative_expired", "Tentative hold expired"
        OTHER = "other", "Other"

    class DepositCollection(models.TextChoices):
        WITH_SMILY = "with_smily", "With Smily"
        EXTERNAL = "external", "External"
        SWIKLY = "smily_damage_deposit_with_swikly", "Smily damage deposit with Swikly"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bookings")
    rental = models.ForeignKey(Rental, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        help_text="the OAuth application that created the booking",
    )
    # Booking a slot (DESIGN §10): the slot's times; up to its capacity of bookings share
    # it, exempt from the no-overlap rule among themselves (the slot's window is what is
    # exclusive on the rental).
    slot = models.ForeignKey(
        "slots.Slot", on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    # The recurring series this booking is an occurrence of (DESIGN §9), if any.
    series = models.ForeignKey(
        BookingSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        db_index=False,  # booking_series_start below leads with it
    )
    # The Overbooked face of a booking (its UUID) and the integration's key/value data.
    public_id = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), editable=False)
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    locked = models.BooleanField(
        default=False,
        help_text="created under bookings_write_owned: other applications may change "
        "only the expected check-in/out times and the rental payback",
    )

    status = models.CharField(max_length=16, choices=Status.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    # The occupied period is [start_at - buffer_before, end_at + buffer_after) (DESIGN §9).
    buffer_before = buffer_field("minutes of preparation time before the stay (0–10080)")
    buffer_after = buffer_field("minutes of preparation time after the stay (0–10080)")
    tentative_expires_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)

    adults = models.PositiveIntegerField(null=True, blank=True)
    children = models.PositiveIntegerField(null=True, blank=True)

    currency = models.CharField(max_length=3, blank=True)
    initial_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    discount = models.CharField(max_length=20, blank=True, help_text="100 or 10%")
    final_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    final_price_is_manual = models.BooleanField(
        default=False, help_text="final_price was given; otherwise it is computed"
    )
    channel_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    commission = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    downpayment = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    final_payback_to_owner = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    rental_payback_to_owner = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    bookings_payments_count = models.PositiveIntegerField(default=0)
    reconciliation = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    damage_deposit = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    charge_damage_deposit_on_arrival = models.BooleanField(default=True)
    damage_deposit_collection_method = models.CharField(
        max_length=40, blank=True, choices=DepositCollection.choices
    )
    damage_deposit_external_collection_method_name = models.CharField(max_length=100, blank=True)

    expected_checkin_time = models.CharField(max_length=5, blank=True)
    expected_checkout_time = models.CharField(max_length=5, blank=True)
    door_key_code = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True, max_length=6000)
    # From OfficeRnD (DESIGN §9): a free booking has no fees and its prices are 0
    # (the rule is bookings.services._free_rules); a title and a text for the meeting;
    # the account's clients who visit or take part. Visitors and members are JSON lists
    # of client ids, not many-to-many tables: the bookings list reads them from the row,
    # with no extra query per page (docs/architecture.md).
    free = models.BooleanField(default=False, db_default=False)
    summary = models.CharField(max_length=255, blank=True, default="", db_default="")
    description = models.TextField(max_length=6000, blank=True, default="", db_default="")
    visitors = models.JSONField(
        default=list, db_default=[], blank=True, help_text="client ids of the account"
    )
    members = models.JSONField(
        default=list, db_default=[], blank=True, help_text="client ids of the account"
    )
    external_reference = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="channel, e.g. Airbnb")
    imported = models.BooleanField(default=False)

    canceled_at = models.DateTimeField(null=True, blank=True)
    cancelation_reason = models.CharField(
        max_length=32, blank=True, choices=CancelationReason.choices
    )
    cancelation_message_to_guest = models.TextField(blank=True, max_length=6000)
    cancelation_message_to_channel = models.TextField(blank=True, max_length=6000)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The actor (events/actors.py) of the first and the last event of this booking,
    # kept on the row so a list of bookings shows them without reading the event log.
    created_by = models.JSONField(null=True, blank=True, editable=False)
    updated_by = models.JSONField(null=True, blank=True, editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_at__lt=models.F("end_at")), name="booking_starts_before_end"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "tentative", "unavailable", "canceled"]),
                name="booking_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="tentative") | Q(tentative_expires_at__isnull=False),
                name="booking_tentative_has_expiry",
            ),
            models.UniqueConstraint(fields=["account", "public_id"], name="booking_public_id"),
            models.CheckConstraint(
                condition=Q(
                    buffer_before__lte=MAX_BUFFER_MINUTES, buffer_after__lte=MAX_BUFFER_MINUTES
                ),
                name="booking_buffers_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "rental", "start_at", "end_at"]),
            # (account, start_at, id) is a prefix of booking_account_start_end below.
            models.Index(fields=["account", "end_at"]),
            models.Index(fields=["account", "updated_at", "id"]),
            models.Index(
                fields=["tentative_expires_at"],
                condition=Q(status="tentative"),
                name="booking_live_holds",
            ),
            # The superuser's cross-account admin list (newest first) and its date
            # hierarchy (MIN/MAX) would otherwise sort or scan every booking.
            models.Index(fields=["start_at", "id"], name="booking_start_id"),
            # Search by external reference (admin, API), also across accounts in the admin.
            models.Index(fields=["external_reference"], name="booking_external_reference"),
            # The API's default search (end_at > from, by start_at, id): end_at is checked
            # inside the index instead of on every past booking's row, and the page's
            # COUNT is answered from the index alone (bench/plans: 49 ms -> 1 ms, 85 -> 9).
            # (Key columns rather than INCLUDE, which SQLite would warn about.)
            models.Index(
                fields=["account", "start_at", "id", "end_at", "status", "tentative_expires_at"],
                name="booking_account_start_end",
            ),
            # A series' occurrences, in order (scope following / all, the series' links).
            models.Index(fields=["series", "start_at"], name="booking_series_start"),
        ]

    def __str__(self) -> str:
        # No related names here: the admin prints this in messages and choices.
        return f"{self.reference} ({self.start_at:%Y-%m-%d} – {self.end_at:%Y-%m-%d})"

    @property
    def reference(self) -> str:
        return reference_for(self.pk) if self.pk else ""

    def is_expired_hold(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.TENTATIVE
            and self.tentative_expires_at is not None
            and self.tentative_expires_at <= now
        )

    def status_at(self, now: dt.datetime | None = None) -> str:
        """The effective status: an expired hold reads as canceled before the sweep runs."""
        return self.Status.CANCELED if self.is_expired_hold(now) else self.status

    def canceled_at_effective(self, now: dt.datetime | None = None) -> dt.datetime | None:
        return self.tentative_expires_at if self.is_expired_hold(now) else self.canceled_at

    def cancelation_reason_effective(self, now: dt.datetime | None = None) -> str:
        if self.is_expired_hold(now):
            return self.CancelationReason.TENTATIVE_EXPIRED
        return self.cancelation_reason

    @property
    def nights(self) -> int:
        """Nights between the local calendar dates of check-in and check-out."""
        tz = self.rental.tzinfo
        return (self.end_at.astimezone(tz).date() - self.start_at.astimezone(tz).date()).days

    @property
    def final_rental_price(self) -> Decimal | None:
        from bookings.pricing import rental_price_after_discount

        return rental_price_after_discount(self.initial_price, self.discount)

    @property
    def payment_left_to_collect(self) -> Decimal | None:
        if self.final_price is None:
            return None
        return self.final_price - self.paid_amount

    @property
    def balance_due_at(self) -> dt.datetime:
        # Overflow-safe whatever is stored (a row from before the bounds of DESIGN §15):
        # a due date before year 1 is simply "already due", i.e. created_at.
        # The API's pages read the rental's column with the booking (bookings.selectors.
        # with_embedded_rows) instead of loading the rental.
        days = getattr(self, "rental_balance_due_days", None)
        if days is None:
            days = self.rental.balance_due_days
        try:
            due = self.start_at - dt.timedelta(days=days)
        except OverflowError:
            return self.created_at
        return max(self.created_at, due)

    @property
    def locked_by(self) -> str | None:
        """BookingSync's `locked` value: the application the booking is locked to."""
        if self.locked and self.application_id:
            return f"application-{self.application_id}"
        return None


class BookingFee(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="bookings_fees")
    rentals_fee = models.ForeignKey(
        RentalsFee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    times_booked = models.PositiveIntegerField(default=1)
    required = models.BooleanField(null=True, blank=True)
    included_in_price = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "booking fee"
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return f"{self.name} × {self.times_booked}"

    @property
    def total(self) -> Decimal:
        return self.price * self.times_booked


class BookingTax(models.Model):
    class TaxableType(models.TextChoices):
        RENTAL = "Rental", "Rental"
        BOOKINGS_FEE = "BookingsFee", "Booking fee"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="bookings_taxes")
    tax = models.ForeignKey(Tax, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    taxable_type = models.CharField(
        max_length=16, choices=TaxableType.choices, default=TaxableType.RENTAL
    )
    bookings_fee = models.ForeignKey(
        BookingFee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="taxes",
        help_text="the fee taxed, when taxable_type is BookingsFee",
    )
    name = models.CharField(max_length=200)
    percentage = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0"))
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    included_in_price = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "booking tax"
        verbose_name_plural = "booking taxes"
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"

    @property
    def taxable_id(self) -> int | None:
        if self.taxable_type == self.TaxableType.BOOKINGS_FEE:
            return self.bookings_fee_id
        return self.booking.rental_id


class BookingComment(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booking_comments")
    content = models.TextField(max_length=6000)
    author = models.CharField(max_length=200, blank=True, help_text="user or application")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "booking comment"
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.content[:60]
