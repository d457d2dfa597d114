"""The event log: one row per change, written in the change's own transaction (DESIGN §8)."""

from __future__ import annotations

from django.db import models

from accounts.models import Account


class Event(models.Model):
    """One change to one record of an account.

    `txid` is the writing transaction's id on PostgreSQL (0 on SQLite, where writers are
    serialised). Ids are given out before commit, so a reader orders by (txid, id) and
    reads only below the oldest transaction still running (events/selectors.py): that
    order never lets a later commit land behind a cursor already handed out.
    """

    class Name(models.TextChoices):
        BOOKING_CREATED = "booking_created"
        BOOKING_UPDATED = "booking_updated"
        BOOKING_DESTROYED = "booking_destroyed"
        RENTAL_CREATED = "rental_created"
        RENTAL_UPDATED = "rental_updated"
        RENTAL_DESTROYED = "rental_destroyed"
        CLIENT_CREATED = "client_created"
        CLIENT_UPDATED = "client_updated"
        CLIENT_DESTROYED = "client_destroyed"
        SLOT_CREATED = "slot_created"
        SLOT_UPDATED = "slot_updated"
        SLOT_DESTROYED = "slot_destroyed"
        PAYMENT_CREATED = "payment_created"
        PAYMENT_UPDATED = "payment_updated"
        PAYMENT_DESTROYED = "payment_destroyed"
        BOOKING_SERIES_CREATED = "booking_series_created"
        BOOKING_SERIES_UPDATED = "booking_series_updated"
        BOOKING_SERIES_DESTROYED = "booking_series_destroyed"
        AVAILABILITY_UPDATED = "availability_updated"

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40, choices=Name.choices)
    resource_type = models.CharField(max_length=20)
    resource_id = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.JSONField(default=dict)
    changes = models.JSONField(default=dict, blank=True)
    txid = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["txid", "id"]
        indexes = [
            # The feed: an account's events in commit-safe order.
            models.Index(fields=["account", "txid", "id"], name="event_feed"),
            # A record's history (admin panel, created_by / updated_by).
            models.Index(
                fields=["account", "resource_type", "resource_id", "id"], name="event_resource"
            ),
            # Retention deletes by age.
            models.Index(fields=["occurred_at"], name="event_occurred_at"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.resource_type} {self.resource_id}"
