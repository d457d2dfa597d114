"""`GET /ical/{token}.ics`: a rental's export feed. The token is the only credential."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from calendars.export import feed_text, rental_for_token


@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    rental = rental_for_token(token)
    if rental is None:
        return HttpResponse("Not found\n", status=404, content_type="text/plain")
    body = feed_text(rental, host=request.get_host().split(":")[0], now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="rental-{rental.pk}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
