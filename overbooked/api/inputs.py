"""Overbooked request values parsed into typed ones, each malformed value with its code.

A value of the wrong type or shape is 400 E013 (DESIGN §10) unless the reference has a
code of its own for that field (E047 capacity, E066 public_scheduling_enabled, E058
booking_disabled_before); metadata is checked by core/metadata.py (E042/E043) in the
services. Bounds written once: times here (DESIGN §15), the rest in the models/services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.timeparse import parse_instant
from overbooked.api.errors import OverbookedError

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
MAX_NAME_LENGTH = 200
MAX_TEXT_PARAM = 255


def instant(value: Any, name: str) -> dt.datetime:
    """An ISO 8601 time (a bare date is midnight UTC), between 1970 and 2199."""
    if not isinstance(value, str) or len(value) > 64:
        raise OverbookedError("E013", f"{name} must be an ISO 8601 time")
    try:
        parsed = parse_instant(value)
    except ValueError:
        raise OverbookedError("E013", f"{name} must be an ISO 8601 time") from None
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime.combine(parsed, dt.time(0, 0), tzinfo=dt.UTC)
    try:
        parsed = parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise OverbookedError("E013", f"{name} is out of range") from None
    if not EARLIEST <= parsed <= LATEST:
        raise OverbookedError("E013", f"{name} must be between 1970-01-01 and 2199-12-31")
    return parsed


def boolean(value: Any, name: str, code: str = "E013") -> bool:
    if not isinstance(value, bool):
        raise OverbookedError(code, f"{name} must be a boolean")
    return value


def integer(value: Any, name: str, code: str = "E013") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OverbookedError(code, f"{name} must be an integer")
    if not -(2**31) <= value < 2**31:
        raise OverbookedError(code, f"{name} is out of range")
    return value


def text(value: Any, name: str, max_length: int = MAX_NAME_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OverbookedError("E013", f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise OverbookedError("E013", f"{name} may have at most {max_length} characters")
    if "\x00" in value:
        raise OverbookedError("E013", f"{name} may not contain NUL characters")
    return value


def metadata(value: Any) -> Mapping[str, Any] | None:
    """Passed on to the services, which apply the rules; only its shape is checked here."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OverbookedError("E043", "metadata must be an object")
    return value


def required(body: Mapping[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise OverbookedError("E013", f"{name} is required")
    return body[name]


def query_bool(raw: str | None, name: str) -> bool | None:
    if raw in (None, ""):
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise OverbookedError("E013", f"{name} must be true or false")


def query_choice(raw: str | None, name: str, choices: tuple[str, ...]) -> str | None:
    if raw in (None, ""):
        return None
    if raw not in choices:
        raise OverbookedError("E013", f"{name} must be one of {', '.join(choices)}")
    return raw
