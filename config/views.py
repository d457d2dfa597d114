"""Site-wide plain views: the landing page, the API index, the health check and the JSON
error pages for API paths."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from django.views import defaults

from core.exceptions import json_error, payload_too_large_title
from overbooked.api.errors import json_error as overbooked_error

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/oauth/")
OVERBOOKED_PREFIX = "/api/overbooked/"


def landing(request: HttpRequest) -> HttpResponse:
    """`/`: what this server is and where to go (the admin's "View site" link)."""
    return render(request, "landing.html")


RESOURCE_NAME = re.compile(r"\^?([a-z][a-z_]*)")


def api_resources(patterns: Iterable[URLPattern | URLResolver]) -> list[str]:
    """The first path segment of every route under /api/v3/ (`bookings`, `rentals`, …),
    read from the routes themselves so a new app's endpoints are listed without editing
    this view."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and not str(pattern.pattern):
            names.update(api_resources(pattern.url_patterns))
            continue
        match = RESOURCE_NAME.match(str(pattern.pattern))
        if match and match.group(1) != "schema":
            names.add(match.group(1))
    return sorted(names)


def api_index(request: HttpRequest, patterns: list[URLPattern | URLResolver]) -> JsonResponse:
    """`GET /api/v3/`: the resources of the API and where the docs are. No token needed:
    it says only what exists, never what an account holds."""
    base = request.build_absolute_uri("/api/v3/")
    return JsonResponse(
        {
            "links": {name: f"{base}{name}" for name in api_resources(patterns)},
            "meta": {
                "docs": request.build_absolute_uri("/api/docs"),
                "schema": f"{base}schema",
                "token": request.build_absolute_uri("/oauth/token"),
            },
        }
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and the broker, when one is configured) answers, else 503."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        logger.warning("health check: database down: %s", exc)
        checks["database"] = f"down: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        checks["broker"] = _check_redis(settings.REDIS_URL)
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def _check_redis(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return "ok"
    except Exception as exc:
        logger.warning("health check: broker down: %s", exc)
        return f"down: {exc.__class__.__name__}"


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return json_error(404, "not found")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIXES):
        return json_error(404, "not found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIXES):
        return json_error(500, "internal error")
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django answers a SuspiciousOperation here, e.g. a form body (/oauth/token, the admin)
    over DATA_UPLOAD_MAX_MEMORY_SIZE read by middleware before any view runs."""
    too_large = isinstance(exception, RequestDataTooBig)
    if request.path.startswith(OVERBOOKED_PREFIX):
        if too_large:
            return overbooked_error("E013", payload_too_large_title(), status=413)
        return overbooked_error("E013")
    if request.path.startswith(API_PREFIXES):
        if too_large:
            return json_error(413, payload_too_large_title())
        return json_error(400, "bad request")
    if too_large:
        return HttpResponse(payload_too_large_title(), status=413, content_type="text/plain")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIXES):
        return json_error(403, "forbidden")
    return defaults.permission_denied(request, exception)
