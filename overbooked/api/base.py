"""The base of every Overbooked-compatible view: API-key auth, envelope, pages, error codes."""

from __future__ import annotations

import io
import uuid
from typing import Any, cast

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.keys import ApiKeyAuthentication, KeyClient
from core.parsers import JSONParser
from core.renderers import JSONRenderer
from core.views import ApiViewMixin
from overbooked.api.errors import OverbookedError, exception_handler

DEFAULT_LIMIT = 20
MAX_LIMIT = 50


class LenientJSONParser(JSONParser):
    """JSON whatever the declared type: `POST …/publish` and friends often carry no body
    (or `text/plain`), and the SDK sends what it sends. Nesting is bounded as in v3."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        return super().parse(io.BytesIO(raw), "application/json", parser_context)


def ok(
    data: Any, *, meta: dict[str, Any] | None = None, status_code: int = status.HTTP_200_OK
) -> Response:
    return Response({"data": data, "meta": meta or {}, "success": True}, status=status_code)


def parse_uuid(value: Any) -> uuid.UUID:
    """A path or body id; a malformed UUID is 400 E013 (DESIGN §10)."""
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise OverbookedError("E013", f"invalid id {str(value)[:64]!r}: must be a UUID") from None


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise OverbookedError("E013", f"{name} must be an integer of at least 1")
    return int(raw)


def paginate(request: Request, queryset: QuerySet) -> tuple[list[Any], dict[str, int]]:
    """`page` (from 1) and `limit` (1–50, more is capped at 50); meta `{total, limit, page}`."""
    page = _positive_int(request, "page", 1)
    limit = min(_positive_int(request, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    total = queryset.count()
    offset = (page - 1) * limit
    items = list(queryset[offset : offset + limit]) if offset < total else []
    return items, {"total": total, "limit": limit, "page": page}


class OverbookedView(ApiViewMixin, APIView):
    """Subclasses call `self.require_secret()` for secret-key operations."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [LenientJSONParser]

    def get_exception_handler(self):
        return exception_handler

    @property
    def client(self) -> KeyClient:
        return cast(KeyClient, self.request.user)

    def require_secret(self) -> None:
        if not self.client.is_secret:
            raise OverbookedError("E015", "Unauthorized: this operation needs the secret key")

    def body(self) -> dict[str, Any]:
        data = self.request.data
        if not isinstance(data, dict):
            raise OverbookedError("E013", "the body must be a JSON object")
        return data
