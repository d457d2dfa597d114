"""Overbooked-compatible endpoints (DESIGN §10)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from overbooked.api.errors import json_error


def route_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return json_error("E002")
