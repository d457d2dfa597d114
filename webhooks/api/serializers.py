"""Webhook subscriptions on the wire: the input (parsed and bounded here) and the record."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from core.timefmt import utc_text
from events.models import Event
from webhooks.models import ALL_EVENTS, Subscription

MAX_URL_LENGTH = 2000
MAX_EVENTS = 100
EVENT_NAMES = frozenset(Event.Name.values)


def validate_webhook_url(value: str) -> None:
    """https (http only with WEBHOOKS_ALLOW_HTTP), a host, no credentials. Where it points
    is checked when delivering, on the address actually connected to (core/safehttp.py)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise DjangoValidationError("must be a valid URL") from None
    schemes = {"https", "http"} if settings.WEBHOOKS_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes:
        raise DjangoValidationError(f"must be an {' or '.join(sorted(schemes))} URL")
    if not parts.hostname:
        raise DjangoValidationError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise DjangoValidationError("must not carry credentials")


def validate_event_names(value: object) -> None:
    """A list of known event names (or "*"); the admin form's check."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise DjangoValidationError('must be a list of event names, e.g. ["booking_created"]')
    if len(value) > MAX_EVENTS:
        raise DjangoValidationError(f"at most {MAX_EVENTS} events")
    unknown = sorted(set(value) - EVENT_NAMES - {ALL_EVENTS})
    if unknown:
        raise DjangoValidationError(f"unknown events: {', '.join(unknown)}")


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=MAX_URL_LENGTH, required=False, validators=[validate_webhook_url]
    )
    events = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=MAX_EVENTS,
        required=False,
        help_text='event names (GET /api/v3/events lists them); ["*"] or omitted: every event',
    )
    active = serializers.BooleanField(required=False)

    def validate_events(self, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - EVENT_NAMES - {ALL_EVENTS})
        if unknown:
            raise serializers.ValidationError(f"unknown events: {', '.join(unknown)}")
        return [] if ALL_EVENTS in value else sorted(set(value))


class SubscriptionLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    application = serializers.IntegerField(allow_null=True)


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    secret = serializers.CharField(required=False, help_text="only in the answer to create")
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = SubscriptionLinksSerializer()

    def to_representation(self, subscription: Subscription) -> dict[str, Any]:
        record = {
            "id": subscription.pk,
            "url": subscription.url,
            "events": list(subscription.events) or [ALL_EVENTS],
            "active": subscription.active,
            "disabled_at": utc_text(subscription.disabled_at),
            "disabled_reason": subscription.disabled_reason,
            "created_at": utc_text(subscription.created_at),
            "updated_at": utc_text(subscription.updated_at),
            "links": {
                "account": subscription.account_id,
                "application": subscription.application_id,
            },
        }
        if self.context.get("show_secret"):
            record["secret"] = subscription.secret
        return record
