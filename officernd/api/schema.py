"""The OpenAPI description of the OfficeRnD-compatible API: its booking shape, its error
body, and an AutoSchema that puts that error body (not v3's envelope) on its operations.
The serializers only describe; officernd/api/translate.py builds the bodies."""

from __future__ import annotations

from drf_spectacular.plumbing import is_list_serializer
from rest_framework import serializers

from bookings.inputs import max_length
from bookings.models import Booking
from core.schema import ERROR_STATUSES, ApiAutoSchema
from officernd.api.translate import DESCRIPTION_MAX_LENGTH, MAX_LIST, SUMMARY_MAX_LENGTH


class OfficeRnDErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    status = serializers.IntegerField()


class OfficeRnDMomentSerializer(serializers.Serializer):
    dateTime = serializers.DateTimeField()


class OfficeRnDServiceSlotsSerializer(serializers.Serializer):
    before = serializers.IntegerField(min_value=0, max_value=10080, required=False)
    after = serializers.IntegerField(min_value=0, max_value=10080, required=False)


class OfficeRnDRecurrenceSerializer(serializers.Serializer):
    rrule = serializers.CharField(
        help_text="RFC 5545 RRULE: FREQ DAILY/WEEKLY/MONTHLY, COUNT or UNTIL"
    )


class OfficeRnDFeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    price = serializers.CharField()
    currency = serializers.CharField(allow_null=True)


class OfficeRnDExtraFeeSerializer(serializers.Serializer):
    _id = serializers.CharField()
    name = serializers.CharField()
    price = serializers.CharField()
    quantity = serializers.IntegerField()


class OfficeRnDBookingFeeSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="the local date of the occurrence")
    fee = OfficeRnDFeeSerializer(allow_null=True)
    credits = serializers.ListField(child=serializers.DictField())
    extraFees = OfficeRnDExtraFeeSerializer(many=True)


class OfficeRnDBookingSerializer(serializers.Serializer):
    """A booking. A `public` or `bookings_write_owned` token reading another
    application's booking gets only the fields marked required."""

    _id = serializers.CharField()
    id = serializers.CharField()
    reference = serializers.CharField()
    start = OfficeRnDMomentSerializer()
    end = OfficeRnDMomentSerializer()
    timezone = serializers.CharField()
    resourceId = serializers.CharField()
    tentative = serializers.BooleanField()
    canceled = serializers.BooleanField()
    modifiedAt = serializers.DateTimeField()
    source = serializers.CharField(allow_null=True, required=False)  # type: ignore[assignment]  # a field named like a Field attribute
    summary = serializers.CharField(allow_null=True, required=False)
    description = serializers.CharField(allow_null=True, required=False)
    member = serializers.CharField(allow_null=True, required=False)
    team = serializers.CharField(allow_null=True, required=False)
    members = serializers.ListField(child=serializers.CharField(), required=False)
    visitors = serializers.ListField(child=serializers.CharField(), required=False)
    free = serializers.BooleanField(required=False)
    serviceSlots = OfficeRnDServiceSlotsSerializer(required=False)
    recurrence = OfficeRnDRecurrenceSerializer(allow_null=True, required=False)
    extras = serializers.DictField(required=False)
    fees = OfficeRnDBookingFeeSerializer(many=True, required=False)
    createdAt = serializers.DateTimeField(required=False)
    createdBy = serializers.CharField(allow_null=True, required=False)
    modifiedBy = serializers.CharField(allow_null=True, required=False)


class OfficeRnDBookingInputSerializer(serializers.Serializer):
    """What a booking accepts; ids as strings or numbers. Read-only fields are ignored."""

    start = OfficeRnDMomentSerializer(required=False, help_text="required on create")
    end = OfficeRnDMomentSerializer(required=False, help_text="required on create")
    resourceId = serializers.CharField(
        required=False, help_text="the rental id; required on create"
    )
    member = serializers.CharField(required=False, allow_null=True, help_text="a client id")
    team = serializers.CharField(required=False, allow_null=True, help_text="a client id")
    tentative = serializers.BooleanField(required=False)
    free = serializers.BooleanField(required=False)
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=max_length(Booking, "source")
    )
    summary = serializers.CharField(required=False, max_length=SUMMARY_MAX_LENGTH)
    description = serializers.CharField(required=False, max_length=DESCRIPTION_MAX_LENGTH)
    visitors = serializers.ListField(
        child=serializers.CharField(), required=False, max_length=MAX_LIST
    )
    members = serializers.ListField(
        child=serializers.CharField(), required=False, max_length=MAX_LIST
    )
    serviceSlots = OfficeRnDServiceSlotsSerializer(required=False)
    recurrence = OfficeRnDRecurrenceSerializer(required=False, help_text="on create only")
    on_conflict = serializers.ChoiceField(choices=["fail", "skip"], required=False)


class OfficeRnDAutoSchema(ApiAutoSchema):
    """Errors are `{"message", "status"}` here, and lists are bare arrays."""

    def _is_list_view(self, serializer=None) -> bool:
        return serializer is not None and is_list_serializer(serializer)

    def _get_response_bodies(self, direction="response"):
        responses = super(ApiAutoSchema, self)._get_response_bodies(direction)
        for status in ERROR_STATUSES:
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    OfficeRnDErrorSerializer, str(status), direction=direction
                ),
            )
        return responses
