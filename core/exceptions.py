"""The one mapping from every failure to the documented error envelope (DESIGN §4 "Errors")."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, Forbidden, NotFound

logger = logging.getLogger(__name__)


class BadRequest(exceptions.APIException):
    """The body is JSON but not the `{"<resource>": [{...}]}` shape."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"


class ScopeRequired(exceptions.PermissionDenied):
    def __init__(self, *scopes: str):
        super().__init__(f"requires scope {' or '.join(scopes)}")


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limit_exceeded",
    500: "internal_error",
}


def payload_too_large_title() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"request body is larger than the limit of {limit} bytes"


def error_body(
    status_code: int, entries: list[dict[str, str]], code: str | None = None
) -> dict[str, Any]:
    code = code or CODES.get(status_code, "error")
    return {"errors": [{"code": code, **entry} for entry in entries]}


def json_error(status_code: int, title: str) -> JsonResponse:
    """For plain Django views (handlers, catch-all route): the same envelope, no DRF."""
    return JsonResponse(error_body(status_code, [{"title": title}]), status=status_code)


def flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as one entry per field, nested fields dotted."""
    if isinstance(detail, dict):
        entries: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "") else str(key)
            entries += flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return entries
    if isinstance(detail, list):
        if detail and all(isinstance(item, (dict, list)) for item in detail):
            entries = []
            for index, item in enumerate(detail):
                entries += flatten(item, f"{prefix}.{index}" if prefix else str(index))
            return entries
        return [{"field": prefix, "title": str(item)} for item in detail if str(item)]
    return [{"field": prefix, "title": str(detail)}]


def _entries_without_empty_field(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    return [entry if entry.get("field") else {"title": entry["title"]} for entry in entries]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, (NotFound, Http404, ObjectDoesNotExist)):
        status_code, entries = 404, [{"title": "not found"}]
    elif isinstance(exc, Forbidden):
        status_code, entries = 403, flatten(exc.errors)
    elif isinstance(exc, DomainError):
        status_code, entries = 422, flatten(exc.errors)
    elif isinstance(exc, RequestDataTooBig):  # Django refused to read the body
        status_code, entries = 413, [{"title": payload_too_large_title()}]
    elif isinstance(exc, SuspiciousOperation):  # e.g. over 1000 query parameters
        status_code, entries = 400, [{"title": str(exc) or "bad request"}]
    elif isinstance(exc, PermissionDenied):
        status_code, entries = 403, [{"title": str(exc) or "forbidden"}]
    elif isinstance(exc, exceptions.ValidationError):
        status_code, entries = 422, flatten(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        entries = flatten(exc.detail)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    else:
        logger.exception("Unhandled error in API view", exc_info=exc)
        status_code, entries = 500, [{"title": "internal error"}]
    set_rollback()
    return Response(
        # An exception may name its own code (idempotency/http.py: idempotency_key_reused).
        error_body(
            status_code, _entries_without_empty_field(entries), getattr(exc, "error_code", None)
        ),
        status=status_code,
        headers=headers,
    )
