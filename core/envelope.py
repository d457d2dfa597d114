"""The BookingSync envelope: `{"links": {...}, "<resource>": [...], "meta": {...}}` both ways."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request

from core.exceptions import BadRequest


def unwrap_one(request: Request, key: str, *, optional: bool = False) -> dict[str, Any]:
    """The single record of a `{"<key>": [{...}]}` body; 400 for any other shape.

    `optional` lets a DELETE carry no body at all.
    """
    data = request.data
    if optional and (data is None or data == {} or data == ""):
        return {}
    if not isinstance(data, Mapping) or key not in data:
        raise BadRequest(f'body must be {{"{key}": [{{...}}]}}')
    records = data[key]
    if isinstance(records, Mapping):  # a bare object is accepted for convenience
        records = [records]
    if not isinstance(records, list) or len(records) != 1 or not isinstance(records[0], Mapping):
        raise BadRequest(f'"{key}" must be an array holding one object')
    return dict(records[0])


def envelope(
    key: str, records: list[dict[str, Any]], *, links: Mapping[str, str], meta: Mapping | None
) -> dict[str, Any]:
    return {"links": dict(links), key: records, "meta": dict(meta or {})}


def link_templates(request: Request, key: str, relations: Mapping[str, str]) -> dict[str, str]:
    """`{"bookings.rental": "http://host/api/v3/rentals/{bookings.rental}"}` for each relation
    (relation name -> the path of its resource)."""
    base = request.build_absolute_uri("/api/v3/")
    return {
        f"{key}.{name}": f"{base}{resource}/{{{key}.{name}}}"
        for name, resource in relations.items()
    }
