"""The slot domain's failures, one type each. The Overbooked API maps each to its code
(overbooked/api/errors.py); elsewhere they are ordinary 422s / 403s naming the field."""

from core.errors import Forbidden, ValidationFailed


class SlotTimesInvalid(ValidationFailed):
    """`start_at` is not before `end_at` (Overbooked E023)."""

    def __init__(self) -> None:
        super().__init__({"start_at": ["must be before end_at"]})


class SlotOverlap(ValidationFailed):
    """Another active slot of the rental overlaps this window (E024)."""

    def __init__(self, other: str = "") -> None:
        super().__init__({"start_at": [f"overlaps slot {other}" if other else "overlaps a slot"]})


class SlotOverBooking(ValidationFailed):
    """A blocking booking of the rental lies inside this window (422)."""

    def __init__(self, reference: str) -> None:
        super().__init__({"start_at": [f"overlaps booking {reference}"]})


class SlotMoveRefused(ValidationFailed):
    """A slot with active bookings keeps its times: its bookings have them (E013)."""


class SlotCapacityInvalid(ValidationFailed):
    """Capacity out of its range (E047)."""


class SlotCapacityBelowBookings(ValidationFailed):
    """Capacity below the slot's active bookings (E046)."""


class SlotHasBookings(ValidationFailed):
    """A slot with bookings (history) cannot be deleted (E060)."""


class SlotNotLockable(ValidationFailed):
    """E044."""


class SlotAlreadyLocked(ValidationFailed):
    """E045."""


class LockInvalid(ValidationFailed):
    """`lock_until` not in the future or more than 24 h ahead, or a bad `lock_key` (E013)."""


class LockKeyMismatch(Forbidden):
    """Unlock with a key that is not the lock's (E059)."""


class SlotLocked(ValidationFailed):
    """Booking a locked slot without its key (E050)."""


class SlotDisabled(ValidationFailed):
    """Booking a disabled slot (E051)."""


class SlotFull(ValidationFailed):
    """Booking a slot whose capacity is taken (E049)."""


class ResourceNotPublished(ValidationFailed):
    """Booking a slot of a draft resource (E061)."""
