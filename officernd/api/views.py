"""The OfficeRnD-compatible bookings endpoints (DESIGN §9), thin: parse (translate.py),
call the bridge, render bare JSON. Same OAuth2 bearer tokens and scopes as v3."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from core import scopes
from core.authentication import ApiClient
from core.errors import NotFound
from core.exceptions import ScopeRequired
from core.renderers import JSONRenderer
from core.timeparse import as_utc_instant
from core.views import ApiViewMixin
from officernd import bridge
from officernd.api import schema
from officernd.api.errors import OfficeRnDError, exception_handler, json_error
from officernd.api.translate import (
    MAX_ID,
    TranslationError,
    batch_input,
    booking_input,
    booking_output,
    is_number,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 50  # OfficeRnD's page size limit
MAX_WINDOW = dt.timedelta(days=366)
MAX_UNPAGED = 5000  # occurrences in one unpaged answer
MAX_OFFSET = 10**7
CURSOR_HEADER = "X-Cursor-Next"
SKIPPED_HEADER = "X-Skipped-Occurrences"
_IDS = re.compile(r"^[0-9]{1,19}(,[0-9]{1,19}){0,99}$")

BOOKINGS = schema.OfficeRnDBookingSerializer(many=True)
BOOKING = schema.OfficeRnDBookingSerializer
WRITE = schema.OfficeRnDBookingInputSerializer
TIME_TEXT = "ISO 8601 date-time (or YYYY-MM-DD, midnight UTC)"


def _render(record: bridge.Record) -> dict[str, Any]:
    return booking_output(
        record.v3,
        timezone=record.timezone,
        local_date=record.local_date,
        source=record.source,
        created_by=record.created_by,
        modified_by=record.modified_by,
        rrule=record.rrule,
    )


def _translated(call, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except TranslationError as exc:
        raise OfficeRnDError(
            "; ".join(f"{name}: {text}" if name else text for name, text in exc.problems)
        ) from None


class OfficeRnDView(ApiViewMixin, APIView):
    """Every OfficeRnD view: the token's account must be the organization in the path
    (another one is a 404), writes need bookings_write or bookings_write_owned."""

    renderer_classes = [JSONRenderer]
    schema = schema.OfficeRnDAutoSchema()

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.now = timezone.now()
        super().initial(request, *args, **kwargs)  # authentication, then the rate limit
        slug = kwargs.get("account_slug", "")
        if not Account.objects.filter(pk=self.client.account_id, slug=slug).exists():
            raise NotFound({"organization": ["not found"]})
        write_scopes = (scopes.BOOKINGS_WRITE, scopes.BOOKINGS_WRITE_OWNED)
        if request.method not in SAFE_METHODS and not self.client.has_scope(*write_scopes):
            raise ScopeRequired(*write_scopes)

    @property
    def client(self) -> ApiClient:
        return cast(ApiClient, self.request.user)

    # --- query parameters, each bounded, a bad one a 422 naming it ------------------------

    def instant(self, name: str, *, required: bool = False) -> dt.datetime | None:
        raw = self.request.query_params.get(name, "")
        if not raw:
            if required:
                raise OfficeRnDError(f"{name}: is required ({TIME_TEXT})")
            return None
        try:
            return as_utc_instant(raw[:100])
        except (ValueError, OverflowError):
            raise OfficeRnDError(f"{name}: is not a time ({TIME_TEXT})") from None

    def ids(self, name: str) -> list[int]:
        raw = self.request.query_params.get(name, "").replace(" ", "")
        if not raw:
            return []
        if not _IDS.match(raw) or any(int(part) > MAX_ID for part in raw.split(",")):
            raise OfficeRnDError(f"{name}: must be an id or a comma list of at most 100 ids")
        return [int(part) for part in raw.split(",")]

    def number(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.query_params.get(name, "")
        if not raw:
            return default
        if not is_number(raw) or len(raw) > 9 or not low <= int(raw) <= high:
            raise OfficeRnDError(f"{name}: must be a whole number from {low} to {high}")
        return int(raw)

    def flag(self, name: str) -> bool:
        raw = self.request.query_params.get(name, "").lower()
        if raw not in ("", "true", "false"):
            raise OfficeRnDError(f"{name}: must be true or false")
        return raw == "true"

    def booking_id(self, raw: str) -> int:
        if len(raw) > 19 or int(raw) > MAX_ID:
            raise NotFound({"id": ["not found"]})
        return int(raw)


ORGANIZATION = OpenApiParameter("account_slug", str, OpenApiParameter.PATH)
BOOKING_ID = OpenApiParameter("booking_id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+$")


class BookingsView(OfficeRnDView):
    @extend_schema(
        operation_id="officernd_bookings_list",
        summary="OfficeRnD: list bookings",
        description="Default: bookings not over yet, not canceled, by start. The next page's "
        f"`$cursorNext` is in the `{CURSOR_HEADER}` header when there is one.",
        parameters=[
            ORGANIZATION,
            OpenApiParameter("start", str, description="bookings ending after it"),
            OpenApiParameter("end", str, description="bookings starting before it"),
            OpenApiParameter("resourceId", str, description="rental ids, comma list"),
            OpenApiParameter("member", str, description="client ids, comma list"),
            OpenApiParameter("canceled", bool, description="true adds canceled bookings"),
            OpenApiParameter("$limit", int, description=f"1–{MAX_LIMIT}, default {DEFAULT_LIMIT}"),
            OpenApiParameter("$cursorNext", str, description="from the previous page's header"),
        ],
        responses=BOOKINGS,
    )
    def get(self, request: Request, account_slug: str) -> Response:
        limit = self.number("$limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = self.number("$cursorNext", 0, 0, MAX_OFFSET)
        records, more = bridge.bookings_page(
            client=self.client,
            now=self.now,
            start=self.instant("start"),
            end=self.instant("end"),
            rental_ids=self.ids("resourceId"),
            client_ids=self.ids("member"),
            include_canceled=self.flag("canceled"),
            offset=offset,
            limit=limit,
        )
        headers = {CURSOR_HEADER: str(offset + limit)} if more else {}
        return Response([_render(record) for record in records], headers=headers)

    @extend_schema(
        operation_id="officernd_bookings_create",
        summary="OfficeRnD: create bookings (one object or an array; a series gives every "
        "occurrence)",
        parameters=[ORGANIZATION],
        request=WRITE,
        responses={201: BOOKINGS},
    )
    def post(self, request: Request, account_slug: str) -> Response:
        bookings = _translated(batch_input, request.data)
        records, skipped = bridge.bookings_create(
            client=self.client, now=self.now, bookings=bookings
        )
        headers = {SKIPPED_HEADER: str(len(skipped))} if skipped else {}
        return Response(
            [_render(record) for record in records], status=http.HTTP_201_CREATED, headers=headers
        )


class BookingView(OfficeRnDView):
    @extend_schema(
        operation_id="officernd_booking_retrieve",
        summary="OfficeRnD: show a booking",
        parameters=[ORGANIZATION, BOOKING_ID],
        responses=BOOKING,
    )
    def get(self, request: Request, account_slug: str, booking_id: str) -> Response:
        record = bridge.booking_get(
            client=self.client, now=self.now, booking_id=self.booking_id(booking_id)
        )
        return Response(_render(record))

    @extend_schema(
        operation_id="officernd_booking_update",
        summary="OfficeRnD: update a booking (the fields given change)",
        parameters=[ORGANIZATION, BOOKING_ID],
        request=WRITE,
        responses=BOOKING,
    )
    def put(self, request: Request, account_slug: str, booking_id: str) -> Response:
        booking = _translated(booking_input, request.data, creating=False)
        record = bridge.booking_update(
            client=self.client,
            now=self.now,
            booking_id=self.booking_id(booking_id),
            booking=booking,
        )
        return Response(_render(record))

    @extend_schema(
        operation_id="officernd_booking_cancel",
        summary="OfficeRnD: cancel a booking (it then reads canceled: true)",
        parameters=[ORGANIZATION, BOOKING_ID],
        request=None,
        responses={204: OpenApiResponse(description="canceled")},
    )
    def delete(self, request: Request, account_slug: str, booking_id: str) -> Response:
        bridge.booking_cancel(
            client=self.client, now=self.now, booking_id=self.booking_id(booking_id)
        )
        return Response(status=http.HTTP_204_NO_CONTENT)


class OccurrencesView(OfficeRnDView):
    @extend_schema(
        operation_id="officernd_bookings_occurrences",
        summary="OfficeRnD: every live booking occurrence overlapping [start, end)",
        description="At most 366 days per query. Without `$limit`, every occurrence of the "
        f"window, up to {MAX_UNPAGED} (more is a 422); with it, pages as `GET /bookings` does.",
        parameters=[
            ORGANIZATION,
            OpenApiParameter("start", str, required=True, description=TIME_TEXT),
            OpenApiParameter("end", str, required=True, description=TIME_TEXT),
            OpenApiParameter("resourceId", str, description="rental ids, comma list"),
            OpenApiParameter("member", str, description="client ids, comma list"),
            OpenApiParameter("$limit", int, description=f"1–{MAX_LIMIT}"),
            OpenApiParameter("$cursorNext", str, description="from the previous page's header"),
        ],
        responses=BOOKINGS,
    )
    def get(self, request: Request, account_slug: str) -> Response:
        start = cast(dt.datetime, self.instant("start", required=True))
        end = cast(dt.datetime, self.instant("end", required=True))
        if end <= start:
            raise OfficeRnDError("end: must be after start")
        if end - start > MAX_WINDOW:
            raise OfficeRnDError("end: the window may be at most 366 days")
        paged = bool(request.query_params.get("$limit"))
        limit = self.number("$limit", MAX_UNPAGED, 1, MAX_LIMIT) if paged else MAX_UNPAGED
        offset = self.number("$cursorNext", 0, 0, MAX_OFFSET)
        records, more = bridge.occurrences(
            client=self.client,
            now=self.now,
            start=start,
            end=end,
            rental_ids=self.ids("resourceId"),
            client_ids=self.ids("member"),
            offset=offset,
            limit=limit,
        )
        if more and not paged:
            raise OfficeRnDError(
                f"end: more than {MAX_UNPAGED} occurrences in the window: narrow it, or page "
                "with $limit and $cursorNext"
            )
        headers = {CURSOR_HEADER: str(offset + limit)} if more else {}
        return Response([_render(record) for record in records], headers=headers)


def route_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return json_error(404, "Route not found")
