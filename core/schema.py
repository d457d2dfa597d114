"""OpenAPI helpers: the bearer security scheme, the error envelope on every operation,
and envelope components for request and response bodies."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

ERROR_STATUSES = (400, 401, 403, 404, 405, 413, 415, 422, 429)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(required=False)
    title = serializers.CharField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)  # type: ignore[assignment]  # a field, not .errors


class PaginationMetaSerializer(serializers.Serializer):
    Link = serializers.DictField(child=serializers.CharField(), required=False)
    # The header values, repeated (strings, like the headers).
    X_Total_Count = serializers.CharField(required=False)
    X_Total_Pages = serializers.CharField(required=False)
    X_Per_Page = serializers.CharField(required=False)
    deleted_ids = serializers.ListField(child=serializers.IntegerField(), required=False)

    def get_fields(self):
        fields = super().get_fields()
        for name in ("X_Total_Count", "X_Total_Pages", "X_Per_Page"):
            fields[name.replace("_", "-")] = fields.pop(name)
        return fields


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.authentication.BearerTokenAuthentication"
    name = "oauth2Bearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "OAuth2 access token"}


PAGINATION_PARAMETERS = [
    OpenApiParameter("page", int, description="page number, from 1"),
    OpenApiParameter("per_page", int, description="records per page: default 100, maximum 100"),
]


class ApiAutoSchema(AutoSchema):
    """Every operation may answer with the error envelope (DESIGN §4 "Errors"); every
    body is an envelope object, lists included; lists take page / per_page."""

    def _is_list_view(self, serializer=None) -> bool:
        return False

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if getattr(self.view, "action", None) == "list":
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "action", None) == "list":
            parameters += PAGINATION_PARAMETERS
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in ERROR_STATUSES:
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    ErrorEnvelopeSerializer, str(status), direction=direction
                ),
            )
        return responses


def envelope_serializer(name: str, key: str, record: serializers.Serializer | type) -> object:
    """The response component `{"links": {...}, "<key>": [record...], "meta": {...}}`."""
    record_serializer = record(many=True) if isinstance(record, type) else record
    return inline_serializer(
        f"{name}Envelope",
        {
            "links": serializers.DictField(child=serializers.CharField()),
            key: record_serializer,
            "meta": PaginationMetaSerializer(),
        },
    )


def request_envelope_serializer(name: str, key: str, record: type) -> object:
    """The request component `{"<key>": [record]}`."""
    return inline_serializer(
        f"{name}RequestEnvelope",
        {key: serializers.ListField(child=record(), min_length=1, max_length=1)},
    )


def strip_trailing_slashes(result, generator, request, public):
    """Postprocessing hook: document `/api/v3/bookings`, not the router's `/bookings/`
    (both spellings answer)."""
    result["paths"] = {
        (path.rstrip("/") or "/"): operations for path, operations in result["paths"].items()
    }
    return result
