"""Site-wide plain views: the health check and the JSON error pages for API paths."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from core.exceptions import json_error, payload_too_large_title
from overbooked.api.errors import json_error as overbooked_error

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/oauth/")
OVERBOOKED_PREFIX = "/api/overbooked/"


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
