"""The floor for the search benchmark: a bare Django view, the API's SQL, rows as JSON.

It runs the same selector (bookings.selectors.bookings_search on bookings_visible, so the
same WHERE and ORDER BY, the same COUNT for the total) and returns the page's `.values()`
through JsonResponse — no token, no rate limit, no serializer, no envelope. The API's
throughput divided by this view's is the cost of everything the API adds.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from bookings import selectors
from core.timeparse import as_utc_instant

PER_PAGE = 100


def bookings(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    params = request.GET
    rental_ids = [int(i) for i in params.get("rental_id", "").split(",") if i]
    found = selectors.bookings_search(
        selectors.bookings_visible(account_id=int(params["account_id"]), now=now, full_access=True),
        now=now,
        start_from=as_utc_instant(params["from"]) if "from" in params else None,
        until=as_utc_instant(params["until"]) if "until" in params else None,
        rental_ids=rental_ids,
    )
    total = found.count()
    return JsonResponse({"bookings": list(found[:PER_PAGE].values()), "meta": {"total": total}})
