"""Domain errors shared by every app; core/exceptions.py maps them to HTTP once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A rule of the domain failed. Carries messages per field ("" for the whole record)."""

    default_field = ""

    def __init__(self, errors: Mapping[str, Sequence[str] | str] | str):
        if isinstance(errors, str):
            errors = {self.default_field: [errors]}
        self.errors: dict[str, list[str]] = {
            field: [messages] if isinstance(messages, str) else list(messages)
            for field, messages in errors.items()
        }
        super().__init__(
            "; ".join(f"{f or 'base'}: {', '.join(m)}" for f, m in self.errors.items())
        )


class ValidationFailed(DomainError):
    """One or more fields break a rule (422 validation_failed)."""


class NotFound(DomainError):
    """A referenced object does not exist in this account (404 not_found)."""


class Forbidden(DomainError):
    """The caller may not make this change (403 forbidden)."""
