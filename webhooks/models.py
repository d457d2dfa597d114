"""Webhook subscriptions, their deliveries (one per event and subscription) and every attempt."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models

from accounts.models import Account
from events.models import Event

ALL_EVENTS = "*"


def new_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (DESIGN §11)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class Subscription(models.Model):
    """Where to POST an account's events, and which ones.

    `application` is the OAuth application that created it through the API (null when
    created in the admin): deliveries show each record as that application may see it.
    `failing_since` is the first failed attempt since the last success; a subscription
    failing for 3 days is disabled, with the reason in `disabled_reason`.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    url = models.URLField(max_length=2000)
    events = models.JSONField(
        default=list, blank=True, help_text='event names; empty or ["*"] means every event'
    )
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["account", "id"]
        indexes = [models.Index(fields=["account", "active"], name="webhook_sub_account_active")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_name: str) -> bool:
        return not self.events or ALL_EVENTS in self.events or event_name in self.events


class Delivery(models.Model):
    """One event (or a test event, `event` null) to one subscription, until delivered or
    given up. `next_attempt_at` is when it is due; a worker that claims it moves that
    forward by a lease, so a worker that dies mid-flight leaves it due again."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed", "failed (gave up)"

    TEST_EVENT = "test"

    # No index of its own: webhook_delivery_once_per_event leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False, related_name="+")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event_name = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "event", "subscription"],
                name="webhook_delivery_once_per_event",
            ),
        ]
        indexes = [
            # The claim: due pending deliveries, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
            # A subscription's deliveries, newest first (the admin, disabling one).
            models.Index(fields=["account", "subscription", "-id"], name="webhook_delivery_by_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} #{self.event_id or '-'} → {self.subscription_id}"

    @property
    def webhook_id(self) -> str:
        """Standard Webhooks' message id: the same on every retry, for deduplication."""
        return f"msg_{self.pk}"


class Attempt(models.Model):
    """One POST of a delivery: what came back, or why nothing did."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    success = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    response_body = models.TextField(blank=True, help_text="the first 1 KB of the answer")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["delivery", "-id"], name="webhook_attempt_by_delivery")]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"


class FeedCursor(models.Model):
    """How far an account's event log (in its commit-safe order, events/selectors.py) has
    been turned into deliveries. One row per account that has had a subscription."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    txid = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.txid}-{self.event_id}"
