"""The rental write failures that carry an Overbooked code of their own (DESIGN §10);
every other bad value is a plain ValidationFailed naming its field."""

from __future__ import annotations

from core.errors import ValidationFailed


class RentalTimezoneInvalid(ValidationFailed):
    """Not an IANA time zone name (Overbooked E022)."""


class RentalCutoffInvalid(ValidationFailed):
    """`booking_disabled_before` out of range (Overbooked E058)."""
