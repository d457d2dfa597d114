"""`/api/v3/bookings` and its neighbours: thin views over bookings/services.py (writes)
and bookings/selectors.py (reads), every queryset scoped to the caller's account."""

from __future__ import annotations

import builtins
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from bookings import selectors, services
from bookings.api import serializers as s
from bookings.api.filters import BookingSearchFilter
from bookings.inputs import (
    SERIES_SCOPES,
    booking_input_from_wire,
    cancel_input_from_wire,
    client_input_from_wire,
    fee_input_from_wire,
    series_input_from_wire,
    series_scope_from_wire,
)
from bookings.models import Booking, BookingComment, BookingFee, BookingSeries, BookingTax, Client
from core import scopes
from core.clock import sync_watermark
from core.errors import DomainError, NotFound
from core.exceptions import ScopeRequired
from core.pagination import keyset_paginate, paginate
from core.schema import envelope_serializer, request_envelope_serializer
from core.timefmt import utc_text
from core.viewsets import ResourceViewSet, parse_ids
from events.actors import Actor
from rentals.models import Rental
from rentals.selectors import rentals_for_account

BOOKING_RELATIONS = {
    "rental": "rentals",
    "client": "clients",
    "bookings_fees": "bookings_fees",
    "bookings_taxes": "bookings_taxes",
    "booking_comments": "booking_comments",
}
INCLUDABLE = ("bookings_fees", "bookings_taxes", "booking_comments")
SYNCED_AT_HEADER = "X-Updated-Since-Request-Synced-At"

BOOKINGS = envelope_serializer("Bookings", "bookings", s.BookingSerializer)
INCLUDE = OpenApiParameter(
    "include",
    str,
    description="comma list of bookings_fees, bookings_taxes, booking_comments to embed",
)
LIST_HEADERS = [
    OpenApiParameter(name, str, OpenApiParameter.HEADER, response=True, description=text)
    for name, text in (
        ("Link", 'first, prev, next, last: <url>; rel="next", joined by ", "'),
        ("X-Total-Count", "number of matching records"),
        ("X-Total-Pages", "number of pages"),
        ("X-Per-Page", "records per page"),
        (SYNCED_AT_HEADER, "server time to pass as updated_since next time"),
    )
]
BOOKING_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
SCOPE = OpenApiParameter(
    "scope",
    str,
    enum=list(SERIES_SCOPES),
    description="extension, for an occurrence of a series (DESIGN §9): this (default), "
    "following (it and the later occurrences) or all; atomic",
)
CURSOR = OpenApiParameter(
    "cursor",
    str,
    description="with updated_since: the position after which the page starts; taken from "
    "the `next` link, never built by hand",
)


class WritesAsApplication:
    """The author of this API's changes in the event log: the token's application."""

    client: Any

    @property
    def actor(self) -> Actor:
        return Actor.application(self.client.application_id)


@extend_schema_view(
    list=extend_schema(
        summary="Search bookings",
        description="Default: bookings not over yet (end_at > now), not canceled, by start.",
        parameters=[INCLUDE, CURSOR, *LIST_HEADERS],
        responses=BOOKINGS,
    ),
    retrieve=extend_schema(
        summary="Show bookings by id (one id or a comma list)",
        parameters=[
            INCLUDE,
            OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$"),
        ],
        responses=BOOKINGS,
    ),
    update=extend_schema(
        summary="Update a booking",
        parameters=[BOOKING_ID, SCOPE],
        request=request_envelope_serializer("BookingUpdate", "bookings", s.BookingInputSerializer),
        responses=BOOKINGS,
    ),
    partial_update=extend_schema(
        summary="Update a booking",
        parameters=[BOOKING_ID, SCOPE],
        request=request_envelope_serializer("BookingUpdate", "bookings", s.BookingInputSerializer),
        responses=BOOKINGS,
    ),
    destroy=extend_schema(
        summary="Cancel a booking (the row stays, as history)",
        parameters=[BOOKING_ID, SCOPE],
        request=request_envelope_serializer(
            "BookingCancel", "bookings", s.BookingCancelInputSerializer
        ),
        responses={204: OpenApiResponse(description="canceled")},
    ),
    add_bookings_fee=extend_schema(
        summary="Add a fee to a booking",
        parameters=[BOOKING_ID],
        request=request_envelope_serializer(
            "BookingsFee", "bookings_fees", s.BookingFeeInputSerializer
        ),
        responses=BOOKINGS,
    ),
    remove_bookings_fee=extend_schema(
        summary="Remove a fee from a booking",
        parameters=[BOOKING_ID, OpenApiParameter("fee_id", int, OpenApiParameter.PATH)],
        request=None,
        responses=BOOKINGS,
    ),
)
class BookingViewSet(WritesAsApplication, ResourceViewSet):
    resource_key = "bookings"
    queryset = Booking.objects.none()
    relations = BOOKING_RELATIONS
    serializer_class = s.BookingSerializer
    filterset_class = BookingSearchFilter
    write_scopes = (scopes.BOOKINGS_WRITE, scopes.BOOKINGS_WRITE_OWNED)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    @property
    def full_access(self) -> bool:
        return self.client.has_scope(scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE)

    @property
    def include(self) -> frozenset[str]:
        if self.action not in ("list", "retrieve"):
            return frozenset(("bookings_fees", "bookings_taxes"))  # a write shows its result
        wanted = self.request.query_params.get("include", "")
        return frozenset(part.strip() for part in wanted.split(",")) & set(INCLUDABLE)

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "full_access": self.full_access,
            "include": self.include,
        }

    def scoped_queryset(self):
        bookings = selectors.bookings_visible(
            account_id=self.client.account_id, now=self.now, full_access=self.full_access
        )
        return selectors.with_embedded_rows(bookings, include=self.include)

    def render(self, objects, **kwargs: Any) -> Response:  # type: ignore[no-untyped-def]
        application_id = self.client.application_id
        if self.full_access or any(b.application_id == application_id for b in objects):
            selectors.attach_link_ids(objects)  # the page's linked ids, one query
        return super().render(objects, **kwargs)

    # --- reads ---------------------------------------------------------------------------

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Search. The synced-at header is a watermark taken before the read: no change
        committed later can carry an earlier `updated_at` (core/clock.py), so a client
        polling from it misses nothing (DESIGN §4)."""
        synced_at = sync_watermark()
        search = BookingSearchFilter(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        params = search.params()
        if params.get("updated_since"):
            page = keyset_paginate(request, search.qs, field="updated_at")
            meta = {**page.meta, "deleted_ids": self._deleted_ids(params)}
        else:
            page = paginate(request, search.qs)
            meta = page.meta
        response = self.render(page.items, meta=meta, headers=page.headers)
        response[SYNCED_AT_HEADER] = utc_text(synced_at)
        return response

    def _deleted_ids(self, params: dict[str, Any]) -> builtins.list[int]:
        return selectors.booking_ids_canceled_since(
            account_id=self.client.account_id,
            since=params["updated_since"],
            now=self.now,
            rental_ids=params.get("rental_id") or (),
            client_ids=params.get("client_id") or (),
            full_access=self.full_access,
        )

    # --- writes --------------------------------------------------------------------------

    def _writable(self, pk: Any) -> Booking:
        """The booking to change: 404 outside the account; 403 when only
        bookings_write_owned is held and another application created it."""
        booking = self.get_one(
            pk, Booking.objects.for_account(self.client.account_id).select_related("rental")
        )
        if not self.client.has_scope(scopes.BOOKINGS_WRITE) and (
            booking.application_id != self.client.application_id
        ):
            raise ScopeRequired(scopes.BOOKINGS_WRITE)
        return booking

    def _fresh(self, booking: Booking) -> Booking:
        return selectors.with_embedded_rows(
            Booking.objects.filter(pk=booking.pk), include=self.include
        ).get()

    @extend_schema(
        summary="Create a booking on a rental",
        parameters=[OpenApiParameter("rental_id", int, OpenApiParameter.PATH)],
        request=request_envelope_serializer(
            "BookingCreate", "bookings", s.BookingCreateInputSerializer
        ),
        responses={201: BOOKINGS},
    )
    def create_on_rental(self, request: Request, rental_id: str) -> Response:
        ids = parse_ids(rental_id)
        if not ids:
            raise NotFound({"rental_id": ["not found"]})
        # The service locks the rental by account and id and answers 404 for one of another
        # account, so a create reads no rental first. Only a request failing for another
        # reason looks the rental up, so that a 404 still wins over a 400 or 422 (a body
        # error never tells that another account's rental exists).
        rental = Rental(pk=ids[0], account_id=self.client.account_id)
        try:
            return self._create(rental)
        except (DomainError, APIException) as error:
            if not isinstance(error, NotFound) and not (
                rentals_for_account(self.client.account_id).filter(pk=rental.pk).exists()
            ):
                raise NotFound({"rental_id": ["not found"]}) from None
            raise

    def _create(self, rental: Rental) -> Response:
        body = self.unwrap()
        booking_input = booking_input_from_wire(body, creating=True, nested=True)
        series_input = series_input_from_wire(body)
        writer = {
            "rental": rental,
            "booking_input": booking_input,
            "actor": self.actor,
            "application_id": self.client.application_id,
            # Without bookings_write the booking is locked to the application creating it.
            "lock_to_application": not self.client.has_scope(scopes.BOOKINGS_WRITE),
            "author": f"application-{self.client.application_id}",
        }
        if series_input is None:
            booking = services.booking_create(**writer)
            return self.render_created(self._created(booking, booking_input), "bookings")
        # A series (DESIGN §9): every occurrence, and the ones skipped by on_conflict.
        created = services.booking_series_create(series_input=series_input, **writer)
        bookings = selectors.with_api_relations(
            Booking.objects.filter(pk__in=[b.pk for b in created.bookings])
        ).order_by("start_at", "id")
        location = self.request.build_absolute_uri(f"/api/v3/booking_series/{created.series.pk}")
        return self.render(
            builtins.list(bookings),
            status=http.HTTP_201_CREATED,
            headers={"Location": location},
            meta={"skipped_occurrences": created.skipped},
        )

    def _created(self, booking: Booking, booking_input: Any) -> Booking:
        """The record of a new booking. Without nested fees, taxes or comments the
        service's own instance is the row it inserted (with its locked rental), and the
        booking has no related rows yet, so nothing is read again after the commit."""
        if booking_input.fees or booking_input.taxes or booking_input.comments:
            return self._fresh(booking)
        booking.api_fees, booking.api_taxes, booking.api_comments = [], [], []  # type: ignore[attr-defined]
        return booking

    def update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        scope = series_scope_from_wire(request.query_params.get("scope"))
        booking = self._writable(pk)
        changed = services.booking_series_update(
            booking=booking,
            booking_input=booking_input_from_wire(self.unwrap(), creating=False),
            scope=scope,
            actor=self.actor,
            application_id=self.client.application_id,
        )
        fresh = selectors.with_api_relations(
            Booking.objects.filter(pk__in=[b.pk for b in changed])
        ).order_by("start_at", "id")
        return self.render(builtins.list(fresh))

    def partial_update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, pk)

    def destroy(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        scope = series_scope_from_wire(request.query_params.get("scope"))
        booking = self._writable(pk)
        cancel = cancel_input_from_wire(self.unwrap(optional=True))
        services.booking_series_cancel(
            booking=booking,
            scope=scope,
            reason=cancel.reason,
            message_to_guest=cancel.message_to_guest,
            message_to_channel=cancel.message_to_channel,
            actor=self.actor,
            application_id=self.client.application_id,
        )
        return Response(status=http.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["patch"], url_path="add_bookings_fee")
    def add_bookings_fee(self, request: Request, pk: str) -> Response:
        booking = self._writable(pk)
        services.booking_add_fee(
            booking=booking,
            fee=fee_input_from_wire(self.unwrap(key="bookings_fees")),
            actor=self.actor,
            application_id=self.client.application_id,
        )
        return self.render([self._fresh(booking)])

    @action(detail=True, methods=["patch"], url_path=r"remove_bookings_fee/(?P<fee_id>[0-9]+)")
    def remove_bookings_fee(self, request: Request, pk: str, fee_id: str) -> Response:
        booking = self._writable(pk)
        fee_ids = parse_ids(fee_id)
        if not fee_ids:
            raise NotFound({"fee_id": ["not found"]})
        services.booking_remove_fee(
            booking=booking,
            fee_id=fee_ids[0],
            actor=self.actor,
            application_id=self.client.application_id,
        )
        return self.render([self._fresh(booking)])


BOOKING_SERIES = envelope_serializer("BookingSeries", "booking_series", s.BookingSeriesSerializer)


@extend_schema_view(
    list=extend_schema(
        summary="List recurring series (extension, DESIGN §9)", responses=BOOKING_SERIES
    ),
    retrieve=extend_schema(
        summary="Show recurring series by id (extension, DESIGN §9)",
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$")
        ],
        responses=BOOKING_SERIES,
    ),
)
class BookingSeriesViewSet(ResourceViewSet):
    """`/api/v3/booking_series`: a series' rule and its occurrences' ids (their records
    are bookings). Needs a scope that sees every booking (the ids include canceled and
    past occurrences)."""

    resource_key = "booking_series"
    queryset = BookingSeries.objects.none()
    serializer_class = s.BookingSeriesSerializer
    read_scopes = (scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"
    relations = {"rental": "rentals", "bookings": "bookings"}

    def scoped_queryset(self):
        return selectors.booking_series_for_account(self.client.account_id)


class _BookingRecordsViewSet(ResourceViewSet):
    """Read-only lists of a booking's records; they carry prices, so they need a scope
    that sees every booking field."""

    read_scopes = (scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"
    relations = {"booking": "bookings"}


def _read_only_schema(name: str, key: str, serializer: type) -> Any:
    envelope = envelope_serializer(name, key, serializer)
    return extend_schema_view(
        list=extend_schema(summary=f"List {key}", responses=envelope),
        retrieve=extend_schema(
            summary=f"Show {key} by id (comma list)",
            parameters=[
                OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$")
            ],
            responses=envelope,
        ),
    )


@_read_only_schema("BookingsFees", "bookings_fees", s.BookingFeeSerializer)
class BookingFeeViewSet(_BookingRecordsViewSet):
    resource_key = "bookings_fees"
    queryset = BookingFee.objects.none()
    serializer_class = s.BookingFeeSerializer

    def scoped_queryset(self):
        return selectors.bookings_fees_for_account(self.client.account_id)


@_read_only_schema("BookingsTaxes", "bookings_taxes", s.BookingTaxSerializer)
class BookingTaxViewSet(_BookingRecordsViewSet):
    resource_key = "bookings_taxes"
    queryset = BookingTax.objects.none()
    serializer_class = s.BookingTaxSerializer

    def scoped_queryset(self):
        return selectors.bookings_taxes_for_account(self.client.account_id)


@_read_only_schema("BookingComments", "booking_comments", s.BookingCommentSerializer)
class BookingCommentViewSet(_BookingRecordsViewSet):
    resource_key = "booking_comments"
    queryset = BookingComment.objects.none()
    serializer_class = s.BookingCommentSerializer

    def scoped_queryset(self):
        return selectors.booking_comments_for_account(self.client.account_id)


CLIENTS = envelope_serializer("Clients", "clients", s.ClientSerializer)
CLIENT_REQUEST = request_envelope_serializer("Client", "clients", s.ClientInputSerializer)
CLIENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary="List clients", responses=CLIENTS),
    retrieve=extend_schema(
        summary="Show clients by id (comma list)",
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$")
        ],
        responses=CLIENTS,
    ),
    create=extend_schema(
        summary="Create a client", request=CLIENT_REQUEST, responses={201: CLIENTS}
    ),
    update=extend_schema(
        summary="Update a client", parameters=[CLIENT_ID], request=CLIENT_REQUEST, responses=CLIENTS
    ),
    partial_update=extend_schema(
        summary="Update a client", parameters=[CLIENT_ID], request=CLIENT_REQUEST, responses=CLIENTS
    ),
)
class ClientViewSet(WritesAsApplication, ResourceViewSet):
    resource_key = "clients"
    queryset = Client.objects.none()
    serializer_class = s.ClientSerializer
    read_scopes = (scopes.CLIENTS_READ, scopes.CLIENTS_WRITE)
    write_scopes = (scopes.CLIENTS_WRITE,)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    def scoped_queryset(self):
        return selectors.clients_for_account(self.client.account_id)

    def create(self, request: Request) -> Response:
        client = services.client_create(
            account_id=self.client.account_id,
            client_input=client_input_from_wire(self.unwrap()),
            actor=self.actor,
        )
        return self.render_created(client, "clients")

    def update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        client = services.client_update(
            client=self.get_one(pk),
            client_input=client_input_from_wire(self.unwrap()),
            actor=self.actor,
        )
        return self.render([client])

    def partial_update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, pk)
