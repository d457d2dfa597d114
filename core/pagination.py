"""Page-number pagination for every list: `page` / `per_page`, Link and X-Total-* headers.

The headers are what the BookingSync Ruby client follows (`Link` spelled exactly
`<url>; rel="next"`, joined by `, `); the same values are repeated in `meta`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 100


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    count: int
    links: dict[str, str] = field(default_factory=dict)

    @property
    def total_pages(self) -> int:
        # A first page always exists, even when it is empty.
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in self.links.items()),
            "X-Total-Count": str(self.count),
            "X-Total-Pages": str(self.total_pages),
            "X-Per-Page": str(self.per_page),
        }

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "Link": dict(self.links),
            "X-Total-Count": str(self.count),
            "X-Total-Pages": str(self.total_pages),
            "X-Per-Page": str(self.per_page),
        }


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: ["must be a positive integer"]}) from None
    if value < 1:
        raise ValidationError({name: ["must be a positive integer"]})
    return value


def paginate(request: Request, queryset: QuerySet) -> Page:
    """One page of `queryset` (already ordered); a page past the last one is empty, not 404."""
    per_page = min(_positive_int(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    number = _positive_int(request, "page", 1)
    count = queryset.count()
    offset = (number - 1) * per_page
    items = list(queryset[offset : offset + per_page]) if offset < count else []
    page = Page(items=items, number=number, per_page=per_page, count=count)
    url = request.build_absolute_uri()
    last = page.total_pages
    rels = {"first": 1}
    if 1 < number <= last + 1:
        rels["prev"] = number - 1
    if number < last:
        rels["next"] = number + 1
    rels["last"] = last
    page.links = {rel: replace_query_param(url, "page", value) for rel, value in rels.items()}
    return page
