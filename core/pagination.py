"""Page-number pagination for every list: `page` / `per_page`, Link and X-Total-* headers.

The headers are what the BookingSync Ruby client follows (`Link` spelled exactly
`<url>; rel="next"`, joined by `, `); the same values are repeated in `meta`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

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


CURSOR_PARAM = "cursor"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _cursor_text(instant: dt.datetime, pk: int) -> str:
    return f"{(instant - _EPOCH) // dt.timedelta(microseconds=1)}-{pk}"


def _parse_cursor(text: str) -> tuple[dt.datetime, int]:
    try:
        micros, pk = (int(part) for part in text.split("-", 1))
        if not (0 <= micros < 2**62 and 0 < pk < 2**63):
            raise ValueError
        return _EPOCH + dt.timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        raise ValidationError({CURSOR_PARAM: ["is not a cursor this API gave"]}) from None


def keyset_paginate(request: Request, queryset: QuerySet, *, field: str) -> Page:
    """One page of `queryset` ordered by (`field`, id), resumed after the `cursor` of the
    previous page's `next` link. Unlike page numbers, a row that moves to the end (it
    was updated meanwhile) never pushes an unread row onto a page already served."""
    per_page = min(_positive_int(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    count = queryset.count()
    raw = request.query_params.get(CURSOR_PARAM)
    if raw:
        instant, pk = _parse_cursor(raw)
        queryset = queryset.filter(
            Q(**{f"{field}__gt": instant}) | Q(**{field: instant, "pk__gt": pk})
        )
    rows = list(queryset.order_by(field, "pk")[: per_page + 1])
    items = rows[:per_page]
    page = Page(items=items, number=1, per_page=per_page, count=count)
    url = remove_query_param(request.build_absolute_uri(), "page")
    page.links = {"first": remove_query_param(url, CURSOR_PARAM)}
    if len(rows) > per_page:
        last = items[-1]
        page.links["next"] = replace_query_param(
            url, CURSOR_PARAM, _cursor_text(getattr(last, field), last.pk)
        )
    return page
