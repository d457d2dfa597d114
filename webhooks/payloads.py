"""The body of a delivery: the event and its record as the v3 API renders it *now*, as the
subscription's application may see it (DESIGN §11). A batch is rendered together: one
query per resource type, one rendering per (record, visibility)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from bookings.api.serializers import BookingSerializer, BookingSeriesSerializer, ClientSerializer
from bookings.models import Booking, Client
from bookings.selectors import attach_link_ids, booking_series_for_account, with_api_relations
from core import scopes
from core.timefmt import utc_text
from rentals.api.serializers import RentalSerializer
from rentals.models import Rental
from webhooks.models import Delivery, Subscription

# resource_type -> the envelope key of its v3 record
RESOURCE_KEYS = {
    "booking": "bookings",
    "rental": "rentals",
    "client": "clients",
    "payment": "payments",
    "slot": "slots",
    "booking_series": "booking_series",
}
# Events an application sees only with one of these scopes (BookingSync's table).
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "client": (scopes.CLIENTS_READ, scopes.CLIENTS_WRITE),
    "payment": ("payments_read", "payments_write"),
    "availability_updated": (scopes.RENTALS_READ, scopes.RENTALS_WRITE),
    # As GET /api/v3/booking_series: the record lists past and canceled occurrences too.
    "booking_series": (scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE),
}


def subscription_scopes(subscription: Subscription) -> frozenset[str] | None:
    """The application's scopes; None for a subscription made in the admin (sees all)."""
    application = subscription.application
    return None if application is None else frozenset(application.scope_list)


def subscription_may_see(subscription: Subscription, event_name: str, resource_type: str) -> bool:
    granted = subscription_scopes(subscription)
    if granted is None:
        return True
    needed = EVENT_SCOPES.get(event_name) or EVENT_SCOPES.get(resource_type)
    return needed is None or bool(granted & set(needed))


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class _Renderer:
    """Loads the records of a batch of deliveries once and renders each visibility once."""

    def __init__(self, deliveries: Iterable[Delivery], now: dt.datetime) -> None:
        self.now = now
        ids: dict[str, set[int]] = defaultdict(set)
        series_accounts: set[int] = set()
        for delivery in deliveries:
            if delivery.event is not None:
                ids[delivery.event.resource_type].add(delivery.event.resource_id)
                if delivery.event.resource_type == "booking_series":
                    series_accounts.add(delivery.event.account_id)
        bookings = (
            list(with_api_relations(Booking.objects.filter(pk__in=ids["booking"])))
            if ids["booking"]
            else []
        )
        attach_link_ids(bookings)  # payment shares of the batch in one query
        self.records: dict[str, dict[int, Any]] = {
            "booking": {b.pk: b for b in bookings},
            "rental": {r.pk: r for r in Rental.objects.filter(pk__in=ids["rental"])}
            if ids["rental"]
            else {},
            "client": {c.pk: c for c in Client.objects.filter(pk__in=ids["client"])}
            if ids["client"]
            else {},
            "booking_series": {
                series.pk: series
                for account_id in sorted(series_accounts)
                for series in booking_series_for_account(account_id).filter(
                    pk__in=ids["booking_series"]
                )
            },
        }
        self._booking_serializers: dict[tuple[int | None, bool], BookingSerializer] = {}
        self._cache: dict[tuple[str, int, int | None, bool], dict[str, Any]] = {}

    def record(self, subscription: Subscription, resource_type: str, resource_id: int) -> Any:
        obj = self.records.get(resource_type, {}).get(resource_id)
        if obj is None:
            return {"id": resource_id}  # gone, or a type without a v3 record yet
        granted = subscription_scopes(subscription)
        application_id = subscription.application_id
        full = granted is None or bool(granted & {scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE})
        key = (resource_type, resource_id, application_id, full)
        if key not in self._cache:
            self._cache[key] = self._render(obj, resource_type, application_id, full)
        return self._cache[key]

    def _render(
        self, obj: Any, resource_type: str, application_id: int | None, full: bool
    ) -> dict[str, Any]:
        if resource_type == "booking":
            serializer = self._booking_serializers.get((application_id, full))
            if serializer is None:
                # What BookingViewSet gives the serializer: the caller and its access.
                view = SimpleNamespace(client=SimpleNamespace(application_id=application_id))
                serializer = BookingSerializer(
                    context={"now": self.now, "view": view, "full_access": full, "include": ()}
                )
                self._booking_serializers[(application_id, full)] = serializer
            return serializer.to_representation(obj)
        if resource_type == "rental":
            return RentalSerializer().to_representation(obj)
        if resource_type == "booking_series":
            return BookingSeriesSerializer().to_representation(obj)
        return ClientSerializer().to_representation(obj)


def render_bodies(deliveries: list[Delivery], *, now: dt.datetime) -> dict[int, bytes]:
    """Delivery id -> its JSON body (compact, UTF-8)."""
    renderer = _Renderer(deliveries, now)
    bodies: dict[int, bytes] = {}
    for delivery in deliveries:
        subscription = delivery.subscription
        event = delivery.event
        if event is None:
            payload: dict[str, Any] = {
                "account_id": subscription.account_id,
                "event": Delivery.TEST_EVENT,
                "event_id": None,
                "occurred_at": utc_text(delivery.created_at),
                "changes": {},
                "resource": {},
            }
        else:
            key = RESOURCE_KEYS.get(event.resource_type, event.resource_type)
            record = renderer.record(subscription, event.resource_type, event.resource_id)
            payload = {
                "account_id": event.account_id,
                "event": event.event,
                "event_id": event.id,
                "occurred_at": utc_text(event.occurred_at),
                "changes": event.changes,
                "resource": {key: [record]},
            }
        bodies[delivery.pk] = _dumps(payload)
    return bodies
