"""`/api/v3/availabilities`, `/api/v3/change_overs` (scope public) and the calendar feeds
of a rental (`rentals_read` to read, `rentals_write` to change): thin views over
calendars/selectors.py and calendars/services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from calendars import selectors, services
from calendars.api import serializers as s
from calendars.models import CalendarFeed
from core import scopes
from core.errors import NotFound
from core.pagination import paginate
from core.schema import envelope_serializer, request_envelope_serializer
from core.viewsets import ResourceViewSet, parse_ids
from rentals.models import Rental
from rentals.selectors import rentals_for_account

EARLIEST_START = dt.date(1970, 1, 1)
LATEST_START = dt.date(2199, 12, 31)


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ValidationError({name: ["must be true or false"]})


def map_options(request: Request) -> selectors.MapOptions:
    """`from` (YYYYMMDD or YYYY-MM-DD), `include_tentative`, `boolean`; 422 naming a bad one."""
    raw = request.query_params.get("from")
    start_date = None
    if raw:
        try:
            start_date = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise ValidationError({"from": ["must be a date (YYYYMMDD)"]}) from None
        if not EARLIEST_START <= start_date <= LATEST_START:
            raise ValidationError({"from": ["must be between 1970-01-01 and 2199-12-31"]})
    return selectors.MapOptions(
        start_date=start_date,
        include_tentative=_flag(request, "include_tentative", True),
        boolean=_flag(request, "boolean", False),
    )


MAP_PARAMETERS = [
    OpenApiParameter("from", str, description="YYYYMMDD; default: first day of this month"),
    OpenApiParameter("include_tentative", bool, description="default true"),
    OpenApiParameter("boolean", bool, description="only 0 and 1; default false"),
]
ID_PARAMETER = OpenApiParameter(
    "id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$", description="rental ids"
)


class _MapViewSet(ResourceViewSet):
    """A map per rental of the caller's account; the id is the rental's."""

    relations = {"rental": "rentals"}
    queryset = Rental.objects.none()
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    def scoped_queryset(self):
        return rentals_for_account(self.client.account_id).order_by("id")

    def _maps(self, rentals: list[Rental]) -> list[selectors.RentalMaps]:
        return selectors.rental_maps(rentals, now=self.now, options=map_options(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        options = map_options(request)  # a bad parameter is a 422 before any work
        page = paginate(request, self.get_queryset())
        maps = selectors.rental_maps(page.items, now=self.now, options=options)
        return self.render(maps, meta=page.meta, headers=page.headers)

    def retrieve(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        options = map_options(request)
        ids = parse_ids(pk)
        rentals = sorted(self.get_queryset().filter(pk__in=ids), key=lambda r: ids.index(r.pk))
        if not rentals:
            raise NotFound({"id": ["not found"]})
        return self.render(selectors.rental_maps(rentals, now=self.now, options=options))


AVAILABILITIES = envelope_serializer("Availabilities", "availabilities", s.AvailabilitySerializer)
CHANGE_OVERS = envelope_serializer("ChangeOvers", "change_overs", s.ChangeOverSerializer)


@extend_schema_view(
    list=extend_schema(
        summary="Availability maps of the account's rentals",
        parameters=MAP_PARAMETERS,
        responses=AVAILABILITIES,
    ),
    retrieve=extend_schema(
        summary="Availability maps of rentals by id (comma list)",
        parameters=[ID_PARAMETER, *MAP_PARAMETERS],
        responses=AVAILABILITIES,
    ),
)
class AvailabilityViewSet(_MapViewSet):
    resource_key = "availabilities"
    serializer_class = s.AvailabilitySerializer


@extend_schema_view(
    list=extend_schema(
        summary="Change-over maps of the account's rentals",
        parameters=MAP_PARAMETERS,
        responses=CHANGE_OVERS,
    ),
    retrieve=extend_schema(
        summary="Change-over maps of rentals by id (comma list)",
        parameters=[ID_PARAMETER, *MAP_PARAMETERS],
        responses=CHANGE_OVERS,
    ),
)
class ChangeOverViewSet(_MapViewSet):
    resource_key = "change_overs"
    serializer_class = s.ChangeOverSerializer


FEEDS = envelope_serializer("CalendarFeeds", "calendar_feeds", s.CalendarFeedSerializer)


@extend_schema_view(
    list=extend_schema(summary="List the account's calendar feeds", responses=FEEDS),
    retrieve=extend_schema(summary="Show a calendar feed", responses=FEEDS),
    destroy=extend_schema(summary="Delete a calendar feed", request=None, responses={204: None}),
)
class CalendarFeedViewSet(ResourceViewSet):
    """Feeds imported into a rental (DESIGN §12). Listed and created under the rental."""

    resource_key = "calendar_feeds"
    queryset = CalendarFeed.objects.none()
    serializer_class = s.CalendarFeedSerializer
    relations = {"rental": "rentals"}
    read_scopes = (scopes.RENTALS_READ, scopes.RENTALS_WRITE)
    write_scopes = (scopes.RENTALS_WRITE,)
    lookup_value_regex = r"[0-9]+"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The rental's list reads, its create writes: the base class tells them apart
        # by action name.
        if self.action == "rental_feeds":
            self.action = "list" if request.method in ("GET", "HEAD") else "create"
        super().initial(request, *args, **kwargs)

    def scoped_queryset(self):
        return CalendarFeed.objects.filter(account_id=self.client.account_id).order_by("id")

    def _rental(self, rental_id: str) -> Rental:
        ids = parse_ids(rental_id)
        rental = rentals_for_account(self.client.account_id).filter(pk__in=ids[:1]).first()
        if rental is None:
            raise NotFound({"rental_id": ["not found"]})
        return rental

    @extend_schema(
        methods=["GET"],
        summary="List a rental's calendar feeds",
        parameters=[OpenApiParameter("rental_id", int, OpenApiParameter.PATH)],
        responses=FEEDS,
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a calendar feed to a rental",
        parameters=[OpenApiParameter("rental_id", int, OpenApiParameter.PATH)],
        request=request_envelope_serializer(
            "CalendarFeed", "calendar_feeds", s.CalendarFeedInputSerializer
        ),
        responses={201: FEEDS},
    )
    def rental_feeds(self, request: Request, rental_id: str) -> Response:
        rental = self._rental(rental_id)
        if request.method in ("GET", "HEAD"):
            page = paginate(request, self.get_queryset().filter(rental=rental))
            return self.render(page.items, meta=page.meta, headers=page.headers)
        data = s.CalendarFeedInputSerializer(data=self.unwrap())
        data.is_valid(raise_exception=True)
        feed = services.calendar_feed_create(rental=rental, **data.validated_data)
        return self.render_created(feed, "calendar_feeds")

    def destroy(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        services.calendar_feed_delete(feed=self.get_one(pk))
        return Response(status=http.HTTP_204_NO_CONTENT)
