"""Overbooked's error envelope and codes:
`{"error": {"code": "E050", "message": …}, "success": false}`.

Every failure under /api/overbooked/v1/ is mapped here, once, to the code and HTTP status
of the reference's error table (shared/reference/overbooked/api-reference/errors.md).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, Forbidden, NotFound
from core.exceptions import payload_too_large_title
from core.metadata import MetadataInvalid
from rentals.errors import RentalCutoffInvalid, RentalTimezoneInvalid
from slots import errors as slot_errors

logger = logging.getLogger(__name__)

# code -> (HTTP status, the reference's message)
CODES: dict[str, tuple[int, str]] = {
    "E001": (500, "Unknown internal server error"),
    "E002": (404, "Route not found"),
    "E008": (401, "Unauthorized, API Key invalid"),
    "E013": (400, "Bad request"),
    "E014": (401, "Not authenticated"),
    "E015": (401, "Unauthorized"),
    "E021": (422, "Invalid Resource date format. Allowed: YYYY-MM-DD"),
    "E022": (422, "Invalid Resource timezone, should be correct TZ database name"),
    "E023": (422, "Slot's start date should be before end date"),
    "E024": (422, "Slots should not overlap"),
    "E025": (404, "Slot not found"),
    "E042": (
        422,
        "Metadata invalid. Key should have up to 100 characters long, "
        "value should have up to 5000 characters long",
    ),
    "E043": (422, "Metadata invalid key format. Only string allowed"),
    "E044": (422, "Slot is not lockable"),
    "E045": (422, "Slot is already locked"),
    "E046": (422, "Slot capacity invalid. There are active Bookings assigned to this Slot"),
    "E047": (400, "Slot capacity invalid"),
    "E048": (404, "Booking not found"),
    "E049": (422, "Cannot create a Booking, not enough Slot capacity"),
    "E050": (422, "Cannot create a Booking, a Slot locked"),
    "E051": (422, "Cannot create a Booking, a Slot disabled"),
    "E052": (404, "Resource not found"),
    "E055": (401, "Unauthorized, API Key invalid"),
    "E056": (401, "Unauthorized, no API Key provided"),
    "E058": (422, "The booking_disabled_before property should be higher than 0"),
    "E059": (403, "Slot cannot be unlocked, lock_key invalid"),
    "E060": (422, "Slot cannot be deleted due to existing Bookings assigned to it"),
    "E061": (422, "Cannot create a Booking, a Resource is not published"),
    "E062": (429, "API rate-limit reached"),
    # Not in the reference: the Idempotency-Key rules every API shares (DESIGN §13).
    "idempotency_key_reused": (422, "This Idempotency-Key was used with a different request"),
    "idempotency_key_in_use": (409, "A request with this Idempotency-Key is still running"),
    "E066": (422, "Resource public_scheduling_enabled should be boolean"),
}

# The domain's failures and their codes; the first matching class wins (subclasses first).
DOMAIN_CODES: tuple[tuple[type[DomainError], str], ...] = (
    (slot_errors.SlotTimesInvalid, "E023"),
    (slot_errors.SlotOverlap, "E024"),
    # A slot over a booking: the reference has no code of its own; E024 is its overlap.
    (slot_errors.SlotOverBooking, "E024"),
    (slot_errors.SlotCapacityInvalid, "E047"),
    (slot_errors.SlotCapacityBelowBookings, "E046"),
    (slot_errors.SlotHasBookings, "E060"),
    (slot_errors.SlotNotLockable, "E044"),
    (slot_errors.SlotAlreadyLocked, "E045"),
    (slot_errors.LockKeyMismatch, "E059"),
    (slot_errors.SlotLocked, "E050"),
    (slot_errors.SlotDisabled, "E051"),
    (slot_errors.SlotFull, "E049"),
    (slot_errors.ResourceNotPublished, "E061"),
    (RentalTimezoneInvalid, "E022"),
    (RentalCutoffInvalid, "E058"),
)


class OverbookedError(exceptions.APIException):
    """A failure with its Overbooked code; `message` defaults to the reference's text.

    `status` overrides the code's HTTP status where the reference has no code of its own
    (a body over the size limit is E013 "Bad request" answered with 413).
    """

    def __init__(self, code: str, message: str = "", *, status: int | None = None):
        self.code = code
        self.status_code = status or CODES[code][0]
        self.message = message or CODES[code][1]
        super().__init__(self.message, code)


def error_body(code: str, message: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message or CODES[code][1]}, "success": False}


def json_error(code: str, message: str = "", *, status: int | None = None) -> JsonResponse:
    """For plain Django views (the catch-all route): the same envelope, no DRF."""
    return JsonResponse(error_body(code, message), status=status or CODES[code][0])


# The domain names fields as the models do; Overbooked's names are these.
FIELD_NAMES = {"start_at": "start_date", "end_at": "end_date"}


def _message(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(
            f"{FIELD_NAMES.get(key, key)}: {_message(value)}" if key else _message(value)
            for key, value in detail.items()
        )
    if isinstance(detail, list):
        return "; ".join(_message(item) for item in detail)
    return str(detail)


def _classify(exc: Exception) -> tuple[str, str, int | None]:
    """The Overbooked code, message and (where it differs from the code's) HTTP status."""
    if isinstance(exc, OverbookedError):
        return exc.code, exc.message, exc.status_code
    if isinstance(exc, RequestDataTooBig):
        return "E013", payload_too_large_title(), 413
    if isinstance(exc, SuspiciousOperation):  # e.g. over 1000 query parameters
        return "E013", str(exc), None
    if isinstance(exc, MetadataInvalid):
        return exc.code, _message(exc.errors), None
    if isinstance(exc, DomainError):
        for kind, code in DOMAIN_CODES:
            if isinstance(exc, kind):
                return code, _message(exc.errors), None
    if getattr(exc, "error_code", None) in CODES:  # idempotency/http.py
        return exc.error_code, "", None  # type: ignore[attr-defined]
    code, message = _classify_code(exc)
    return code, message, None


def _classify_code(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, exceptions.NotAuthenticated):
        return "E056", ""
    if isinstance(exc, exceptions.AuthenticationFailed):
        return "E055", ""
    if isinstance(exc, exceptions.Throttled):
        return "E062", ""
    if isinstance(exc, (NotFound, Http404, ObjectDoesNotExist, exceptions.NotFound)):
        return "E002", ""
    if isinstance(exc, (Forbidden, PermissionDenied, exceptions.PermissionDenied)):
        return "E015", _message(getattr(exc, "errors", "")) or ""
    if isinstance(exc, DomainError):
        return "E013", _message(exc.errors)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return "E002", ""
    if isinstance(exc, exceptions.APIException):  # parse errors, media type, validation
        return "E013", _message(exc.detail)
    logger.exception("Unhandled error in the Overbooked API", exc_info=exc)
    return "E001", ""


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    code, message, status = _classify(exc)
    headers: dict[str, str] = {}
    if code in {"E055", "E056"}:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    set_rollback()
    return Response(error_body(code, message), status=status or CODES[code][0], headers=headers)
