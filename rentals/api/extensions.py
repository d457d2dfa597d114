"""Fields that apps above rentals add to a rental's v3 record (calendars: `ical_url`).

They register in their AppConfig.ready(), so rentals never imports them (DESIGN §2). An
extension gets the whole page of rentals at once and answers `{rental_id: {field: value}}`,
so it costs a constant number of queries per page, never one per rental.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rest_framework.request import Request

from rentals.models import Rental

Extension = Callable[[Sequence[Rental], Request, Any], dict[int, dict[str, Any]]]
_extensions: list[Extension] = []


def register(extension: Extension) -> None:
    if extension not in _extensions:
        _extensions.append(extension)


def extra_fields(rentals: Sequence[Rental], request: Request, client: Any) -> dict[int, dict]:
    """The added fields of each rental of the page, from every registered extension."""
    extras: dict[int, dict[str, Any]] = {}
    for extension in _extensions:
        for rental_id, fields in extension(rentals, request, client).items():
            extras.setdefault(rental_id, {}).update(fields)
    return extras
