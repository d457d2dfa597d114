"""The booking domain's failures, one type each; the API and the admin show their messages."""

from __future__ import annotations

from core.errors import Forbidden, ValidationFailed


class BookingOverlap(ValidationFailed):
    """The period is taken on this rental by a booked, unavailable or live tentative stay."""

    def __init__(self, other_reference: str | None = None, *, buffer_only: bool = False):
        # `buffer_only`: the other booking's stay is clear, only its preparation time
        # (DESIGN §9 buffers) is in the way.
        if not other_reference:
            title = "overlaps another booking"
        elif buffer_only:
            title = f"overlaps the preparation time of booking {other_reference}"
        else:
            title = f"overlaps booking {other_reference}"
        super().__init__({"start_at": [title]})

    @classmethod
    def with_messages(cls, messages: list[str]) -> BookingOverlap:
        """Several occurrences of a series in the way at once, one message each."""
        error = cls()
        error.errors = {"start_at": messages}
        error.args = ("start_at: " + "; ".join(messages),)
        return error


class InvalidStatusChange(ValidationFailed):
    """Not exactly one of booked / unavailable / tentative_expires_at, or a canceled booking."""


class BookingLocked(Forbidden):
    """The booking is locked to the application that created it."""
