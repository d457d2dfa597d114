"""Slots: windows of a rental that bookings take up to a capacity (the Overbooked model).

A slot is written only by slots/services.py. An active slot occupies its window on the
rental (no direct booking inside it, no slot over a booking); active slots of one rental
never overlap each other (on PostgreSQL, the exclusion constraint `slot_no_overlap` of
migration 0002 is the backstop).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account
from core.dbfunctions import RandomUUID
from rentals.models import Rental

MAX_CAPACITY = 100_000
LOCK_KEY_MAX_LENGTH = 255
MAX_LOCK_AHEAD = dt.timedelta(hours=24)


class SlotQuerySet(models.QuerySet):
    """Reads with domain verbs; `now` is explicit, as for bookings."""

    def for_account(self, account_id: int) -> SlotQuerySet:
        return self.filter(account_id=account_id)

    def active(self) -> SlotQuerySet:
        return self.filter(status=Slot.Status.ACTIVE)

    def overlapping(self, start_at: dt.datetime, end_at: dt.datetime) -> SlotQuerySet:
        """Half-open windows: a slot ending at 10:00 does not overlap one starting at 10:00."""
        return self.filter(start_at__lt=end_at, end_at__gt=start_at)

    def locked(self, now: dt.datetime) -> SlotQuerySet:
        """A lock whose `lock_until` has passed is simply gone."""
        return self.filter(lock_until__gt=now)


class Slot(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"

    # Not indexed alone: every index of the table leads with it.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    rental = models.ForeignKey(Rental, on_delete=models.CASCADE, related_name="slots")
    public_id = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), editable=False)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text="how many active bookings the slot takes",
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.ACTIVE, db_default=Status.ACTIVE
    )
    lockable = models.BooleanField(default=True, db_default=True)
    metadata = models.JSONField(default=dict, db_default={}, blank=True)
    lock_until = models.DateTimeField(
        null=True, blank=True, help_text="locked until then (a past time: not locked)"
    )
    lock_key_hash = models.CharField(max_length=64, blank=True, db_default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_at__lt=models.F("end_at")), name="slot_starts_before_end"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_CAPACITY),
                name="slot_capacity_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "disabled"]), name="slot_status_known"
            ),
            models.UniqueConstraint(fields=["account", "public_id"], name="slot_public_id"),
        ]
        indexes = [
            models.Index(fields=["account", "rental", "start_at", "end_at"]),
            models.Index(fields=["account", "start_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.rental_id}: {self.start_at:%Y-%m-%d %H:%M} – {self.end_at:%Y-%m-%d %H:%M}"

    def is_locked(self, now: dt.datetime) -> bool:
        return self.lock_until is not None and self.lock_until > now

    def locked_until(self, now: dt.datetime) -> dt.datetime | None:
        """The lock's end while it holds; None once it has passed."""
        return self.lock_until if self.is_locked(now) else None
