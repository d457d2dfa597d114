"""`GET /api/v3/events?after=CURSOR`: the account's event log, for integrations to reconcile."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authentication import ApiClient
from core.errors import ValidationFailed
from core.exceptions import ScopeRequired
from core.scopes import EVENTS_READ
from core.timefmt import utc_text
from core.views import ApiViewMixin
from events.models import Event
from events.selectors import Cursor, event_feed

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000


def event_record_json(event: Event) -> dict:
    return {
        "id": event.id,
        "event": event.event,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "occurred_at": utc_text(event.occurred_at),
        "actor": event.actor,
        "changes": event.changes,
    }


def _per_page(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_PER_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise ValidationFailed({"per_page": [f"must be an integer from 1 to {MAX_PER_PAGE}"]})
    return int(raw)


class EventFeedView(ApiViewMixin, APIView):
    """Events in commit-safe order; pass `meta.next_cursor` as `after` next time."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                str,
                description="cursor from meta.next_cursor; 0 or none: the oldest kept event",
            ),
            OpenApiParameter(
                "per_page", int, description=f"1 to {MAX_PER_PAGE}, default {DEFAULT_PER_PAGE}"
            ),
        ],
        responses=inline_serializer(
            "EventsEnvelope",
            {
                "links": serializers.DictField(),
                "events": inline_serializer(
                    "Event",
                    {
                        "id": serializers.IntegerField(),
                        "event": serializers.CharField(),
                        "resource_type": serializers.CharField(),
                        "resource_id": serializers.IntegerField(),
                        "occurred_at": serializers.DateTimeField(),
                        "actor": serializers.DictField(),
                        "changes": serializers.DictField(),
                    },
                    many=True,
                ),
                "meta": serializers.DictField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        client = cast(ApiClient, request.user)
        if not client.has_scope(EVENTS_READ):
            raise ScopeRequired(EVENTS_READ)
        after = Cursor.parse(request.query_params.get("after"))
        if after is None:
            raise ValidationFailed({"after": ["must be 0 or a cursor from meta.next_cursor"]})
        per_page = _per_page(request.query_params.get("per_page"))
        events = event_feed(account_id=client.account_id, after=after, limit=per_page)
        next_cursor = Cursor(events[-1].txid, events[-1].id) if events else after
        return Response(
            {
                "links": {},
                "events": [event_record_json(event) for event in events],
                "meta": {"next_cursor": str(next_cursor), "per_page": per_page},
            }
        )
