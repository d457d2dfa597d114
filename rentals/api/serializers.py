"""The wire shape of a rental: the output record, and the input fields (for the schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.timefmt import utc_text
from rentals.models import MAX_BALANCE_DUE_DAYS, MAX_BUFFER_MINUTES, MAX_SUMMARY_LENGTH


def _hhmm(value) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


class RentalLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()


class RentalSerializer(serializers.Serializer):
    """Output only. `to_representation` builds the dict directly: lists must be fast."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    headline = serializers.CharField()
    summary = serializers.CharField()
    address1 = serializers.CharField()
    address2 = serializers.CharField()
    zip = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    country_code = serializers.CharField()
    sleeps = serializers.IntegerField(allow_null=True)
    sleeps_max = serializers.IntegerField(allow_null=True)
    bedrooms_count = serializers.IntegerField(allow_null=True)
    bathrooms_count = serializers.IntegerField(allow_null=True)
    timezone = serializers.CharField()
    checkin_time = serializers.CharField(help_text="HH:MM, local wall-clock time")
    checkout_time = serializers.CharField(help_text="HH:MM, local wall-clock time")
    currency = serializers.CharField()
    balance_due_days = serializers.IntegerField()
    buffer_before = serializers.IntegerField(
        help_text="extension: minutes of preparation before each new stay (DESIGN §9)"
    )
    buffer_after = serializers.IntegerField(
        help_text="extension: minutes of preparation after each new stay (DESIGN §9)"
    )
    metadata = serializers.DictField(
        help_text="key/value data of the integration (DESIGN §10): strings, numbers, booleans"
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    ical_url = serializers.CharField(
        required=False, help_text="secret iCal export feed (tokens with rentals_read)"
    )
    links = RentalLinksSerializer()

    def to_representation(self, rental) -> dict[str, Any]:
        record = {
            "id": rental.pk,
            "name": rental.name,
            "headline": rental.headline,
            "summary": rental.summary,
            "address1": rental.address1,
            "address2": rental.address2,
            "zip": rental.zip,
            "city": rental.city,
            "state": rental.state,
            "country_code": rental.country_code,
            "sleeps": rental.sleeps,
            "sleeps_max": rental.sleeps_max,
            "bedrooms_count": rental.bedrooms_count,
            "bathrooms_count": rental.bathrooms_count,
            "timezone": rental.timezone,
            "checkin_time": _hhmm(rental.checkin_time),
            "checkout_time": _hhmm(rental.checkout_time),
            "currency": rental.currency,
            "balance_due_days": rental.balance_due_days,
            "buffer_before": rental.buffer_before,
            "buffer_after": rental.buffer_after,
            "metadata": rental.metadata,
            "created_at": utc_text(rental.created_at),
            "updated_at": utc_text(rental.updated_at),
            "links": {"account": rental.account_id},
        }
        extras = self.context.get("extras")
        if extras and rental.pk in extras:
            record.update(extras[rental.pk])
        return record


class RentalInputSerializer(serializers.Serializer):
    """Documents the accepted fields; rentals/services.py validates them."""

    name = serializers.CharField(max_length=200, required=False, help_text="required on create")
    headline = serializers.CharField(max_length=300, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=MAX_SUMMARY_LENGTH, required=False, allow_blank=True)
    address1 = serializers.CharField(max_length=300, required=False, allow_blank=True)
    address2 = serializers.CharField(max_length=300, required=False, allow_blank=True)
    zip = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    state = serializers.CharField(max_length=120, required=False, allow_blank=True)
    country_code = serializers.CharField(max_length=2, required=False, allow_blank=True)
    sleeps = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    sleeps_max = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    bedrooms_count = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    bathrooms_count = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    timezone = serializers.CharField(required=False, help_text="IANA, default UTC")
    checkin_time = serializers.CharField(required=False, help_text="HH:MM, default 16:00")
    checkout_time = serializers.CharField(required=False, help_text="HH:MM, default 10:00")
    currency = serializers.CharField(max_length=3, required=False)
    balance_due_days = serializers.IntegerField(
        min_value=0, max_value=MAX_BALANCE_DUE_DAYS, required=False
    )
    buffer_before = serializers.IntegerField(
        min_value=0, max_value=MAX_BUFFER_MINUTES, required=False, help_text="minutes, default 0"
    )
    buffer_after = serializers.IntegerField(
        min_value=0, max_value=MAX_BUFFER_MINUTES, required=False, help_text="minutes, default 0"
    )
