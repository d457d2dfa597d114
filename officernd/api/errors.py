"""OfficeRnD's error shape, `{"message": "…", "status": 422}`, mapped once for every
failure under /api/officernd/v2/ (the v3 envelope's statuses, OfficeRnD's body)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, Forbidden, NotFound
from officernd.api.translate import officernd_field

logger = logging.getLogger(__name__)


class OfficeRnDError(exceptions.APIException):
    """A failure found while reading an OfficeRnD request (a bad field or parameter)."""

    status_code = 422

    def __init__(self, message: str, status: int = 422):
        self.status_code = status
        self.message = message
        super().__init__(message)


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"message": message, "status": status}


def json_error(status: int, message: str) -> JsonResponse:
    """For plain Django views (the catch-all route): the same shape, no DRF."""
    return JsonResponse(error_body(status, message), status=status)


def domain_message(errors: dict[str, list[str]]) -> str:
    """`{"start_at": ["overlaps booking 00000B"]}` → `start.dateTime: overlaps booking 00000B`,
    every field of the domain error in one message, named as OfficeRnD names it."""
    parts = []
    for field, messages in errors.items():
        name = officernd_field(field)
        parts += [f"{name}: {text}" if name else text for text in messages]
    return "; ".join(parts)


def _detail_message(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_detail_message(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return "; ".join(_detail_message(item) for item in detail)
    return str(detail)


def _classify(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, OfficeRnDError):
        return exc.status_code, exc.message
    if isinstance(exc, (NotFound, Http404, ObjectDoesNotExist)):
        return 404, "not found"
    if isinstance(exc, Forbidden):
        return 403, domain_message(exc.errors)
    if isinstance(exc, DomainError):
        return 422, domain_message(exc.errors)
    if isinstance(exc, PermissionDenied):
        return 403, str(exc) or "forbidden"
    if isinstance(exc, exceptions.APIException):  # auth, scope, parse, media type, 405, 429
        return exc.status_code, _detail_message(exc.detail)
    logger.exception("Unhandled error in the OfficeRnD API", exc_info=exc)
    return 500, "internal error"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    status, message = _classify(exc)
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    set_rollback()
    return Response(error_body(status, message), status=status, headers=headers)
