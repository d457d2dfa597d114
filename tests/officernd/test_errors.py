"""officernd/api/errors.py: every failure becomes {"message", "status"} (OfficeRnD names)."""

from __future__ import annotations

import pytest
from rest_framework import exceptions

from bookings.errors import BookingLocked, BookingOverlap
from core.errors import NotFound, ValidationFailed
from officernd.api.errors import OfficeRnDError, exception_handler


@pytest.mark.parametrize(
    ("exc", "status", "message"),
    [
        (BookingOverlap("00000B"), 422, "start.dateTime: overlaps booking 00000B"),
        (ValidationFailed({"client_id": ["no such client"]}), 422, "member: no such client"),
        (
            ValidationFailed({"tentative_expires_at": ["must be in the future"]}),
            422,
            "tentative: must be in the future",
        ),
        (BookingLocked({"start_at": ["locked"]}), 403, "start.dateTime: locked"),
        (NotFound({"id": ["not found"]}), 404, "not found"),
        (OfficeRnDError("start: is required"), 422, "start: is required"),
        (exceptions.ParseError("JSON parse error"), 400, "JSON parse error"),
        (exceptions.Throttled(wait=3), 429, None),
        (exceptions.UnsupportedMediaType("text/plain"), 415, None),
        (RuntimeError("boom"), 500, "internal error"),
    ],
)
def test_failures_map_to_the_officernd_error_shape(exc, status, message):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["status"] == status
    assert set(response.data) == {"message", "status"}
    if message is not None:
        assert response.data["message"] == message
