"""Wire shapes of availability and change-over maps, and of calendar feeds."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from calendars.models import CalendarFeed
from calendars.selectors import RentalMaps
from core.timefmt import utc_text


class MapLinksSerializer(serializers.Serializer):
    rental = serializers.IntegerField()


class _MapSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the rental's id")
    map = serializers.CharField(help_text="1096 characters, one per day from start_date")
    start_date = serializers.DateField()
    updated_at = serializers.DateTimeField()
    links = MapLinksSerializer()

    map_attribute = ""

    def to_representation(self, maps: RentalMaps) -> dict[str, Any]:
        return {
            "id": maps.rental.pk,
            "map": getattr(maps, self.map_attribute),
            "start_date": maps.start_date.isoformat(),
            "updated_at": utc_text(maps.updated_at),
            "links": {"rental": maps.rental.pk},
        }


class AvailabilitySerializer(_MapSerializer):
    map_attribute = "availability"


class ChangeOverSerializer(_MapSerializer):
    map_attribute = "change_over"


class ConflictSerializer(serializers.Serializer):
    uid = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    booking_id = serializers.IntegerField()
    reference = serializers.CharField()


class CalendarFeedLinksSerializer(serializers.Serializer):
    rental = serializers.IntegerField()


class CalendarFeedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    last_synced_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    conflicts = ConflictSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = CalendarFeedLinksSerializer()

    def to_representation(self, feed: CalendarFeed) -> dict[str, Any]:
        return {
            "id": feed.pk,
            "name": feed.name,
            "url": feed.url,
            "last_synced_at": utc_text(feed.last_synced_at),
            "last_error": feed.last_error or None,
            "conflicts": list(feed.conflicts or []),
            "created_at": utc_text(feed.created_at),
            "updated_at": utc_text(feed.updated_at),
            "links": {"rental": feed.rental_id},
        }


class CalendarFeedInputSerializer(serializers.Serializer):
    """Parses and bounds a feed at the edge; calendars/services.py checks the URL rules."""

    name = serializers.CharField(max_length=CalendarFeed.MAX_NAME_LENGTH)
    url = serializers.CharField(max_length=CalendarFeed.MAX_URL_LENGTH)
