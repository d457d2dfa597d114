"""The booking domain's failures, one type each; the API and the admin show their messages."""

from core.errors import Forbidden, ValidationFailed


class BookingOverlap(ValidationFailed):
    """The period is taken on this rental by a booked, unavailable or live tentative stay."""

    def __init__(self, other_reference: str | None = None):
        title = (
            f"overlaps booking {other_reference}" if other_reference else "overlaps another booking"
        )
        super().__init__({"start_at": [title]})


class InvalidStatusChange(ValidationFailed):
    """Not exactly one of booked / unavailable / tentative_expires_at, or a canceled booking."""


class BookingLocked(Forbidden):
    """The booking is locked to the application that created it."""
