"""Overbooked-compatible endpoints (DESIGN §10): resources, slots and bookings.

Thin: parse (overbooked/api/inputs.py), call a service, re-read with the selectors
(for the counts), render (overbooked/api/render.py). Reads take a public or a secret
key; writing resources and slots needs the secret key; lock and unlock take either.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import Booking
from events.actors import Actor
from overbooked import bridge
from overbooked.api import inputs
from overbooked.api.base import OverbookedView, ok, paginate, parse_uuid
from overbooked.api.errors import OverbookedError, json_error
from overbooked.api.render import resource_data, slot_data
from overbooked.selectors import resource_by_public_id, resources_for_account
from rentals.inputs import RentalInput
from rentals.models import Rental
from rentals.services import rental_create, rental_delete, rental_update
from slots import services as slot_services
from slots.models import Slot
from slots.selectors import slot_by_public_id, slots_for_account


def route_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return json_error("E002")


class _View(OverbookedView):
    schema = None  # documented in docs/overbooked.md, not in the v3 OpenAPI document

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.now = timezone.now()

    @property
    def actor(self) -> Actor:
        return Actor.api_key(self.client.api_key_id)

    def resource(self, raw_id: Any) -> Rental:
        found = resource_by_public_id(self.client.account_id, parse_uuid(raw_id), self.now)
        if found is None:
            raise OverbookedError("E052")
        return found

    def slot(self, raw_id: Any) -> Slot:
        found = slot_by_public_id(self.client.account_id, parse_uuid(raw_id), self.now)
        if found is None:
            raise OverbookedError("E025")
        return found

    def resource_response(self, rental: Rental) -> Response:
        return ok(resource_data(self.resource(rental.public_id)))

    def slot_response(self, slot: Slot) -> Response:
        return ok(slot_data(self.slot(slot.public_id), self.now))

    def booking(self, raw_id: Any) -> Booking:
        booking = bridge.booking_by_public_id(self.client.account_id, parse_uuid(raw_id))
        if booking is None:
            raise OverbookedError("E048")
        return booking

    def booking_response(self, booking: Booking) -> Response:
        # Read back after the write, at the write's time or later (its status now).
        return ok(bridge.booking_data(self.booking(booking.public_id), timezone.now()))


# Resources


class ResourceListView(_View):
    def get(self, request: Request) -> Response:
        queryset: QuerySet[Rental] = resources_for_account(self.client.account_id, self.now)
        name = request.query_params.get("name")
        if name:
            queryset = queryset.filter(name=inputs.text(name, "name"))
        status = inputs.query_choice(
            request.query_params.get("status"), "status", tuple(Rental.Status.values)
        )
        if status:
            queryset = queryset.filter(status=status)
        items, meta = paginate(request, queryset)
        return ok([resource_data(rental) for rental in items], meta=meta)

    def post(self, request: Request) -> Response:
        self.require_secret()
        body = self.body()
        scheduling = body.get("public_scheduling_enabled")
        metadata = inputs.metadata(body.get("metadata"))
        # A new resource is a draft, as in Overbooked: its slots are bookable once published.
        rental_input = RentalInput.of(
            name=inputs.text(inputs.required(body, "name"), "name"),
            timezone=inputs.text(inputs.required(body, "timezone"), "timezone", 64),
            status=Rental.Status.DRAFT,
            public_scheduling_enabled=(
                False if scheduling is None else inputs.boolean(scheduling, "x", "E066")
            ),
            **({} if metadata is None else {"metadata": metadata}),
        )
        rental = rental_create(
            account_id=self.client.account_id, rental_input=rental_input, actor=self.actor
        )
        return self.resource_response(rental)


class ResourceDetailView(_View):
    def get(self, request: Request, resource_id: str) -> Response:
        return ok(resource_data(self.resource(resource_id)))

    def patch(self, request: Request, resource_id: str) -> Response:
        self.require_secret()
        rental = self.resource(resource_id)
        body = self.body()
        given: dict[str, Any] = {}
        if body.get("name") is not None:
            given["name"] = inputs.text(body["name"], "name")
        if body.get("timezone") is not None:
            given["timezone"] = inputs.text(body["timezone"], "timezone", 64)
        metadata = inputs.metadata(body.get("metadata"))
        if metadata is not None:
            given["metadata"] = metadata
        if body.get("booking_disabled_before") is not None:
            given["booking_disabled_before"] = inputs.integer(
                body["booking_disabled_before"], "booking_disabled_before", "E058"
            )
        if body.get("public_scheduling_enabled") is not None:
            given["public_scheduling_enabled"] = inputs.boolean(
                body["public_scheduling_enabled"], "public_scheduling_enabled", "E066"
            )
        rental = rental_update(
            rental=rental, rental_input=RentalInput.of(**given), actor=self.actor
        )
        return self.resource_response(rental)

    def delete(self, request: Request, resource_id: str) -> Response:
        self.require_secret()
        rental_delete(rental=self.resource(resource_id), actor=self.actor)
        return ok({})


class ResourcePublishView(_View):
    def post(self, request: Request, resource_id: str) -> Response:
        self.require_secret()
        rental = rental_update(
            rental=self.resource(resource_id),
            rental_input=RentalInput.of(status=Rental.Status.PUBLISHED),
            actor=self.actor,
        )
        return self.resource_response(rental)


class ResourceConvertDraftView(_View):
    def post(self, request: Request, resource_id: str) -> Response:
        self.require_secret()
        rental = rental_update(
            rental=self.resource(resource_id),
            rental_input=RentalInput.of(status=Rental.Status.DRAFT),
            actor=self.actor,
        )
        return self.resource_response(rental)


# Slots


class SlotListView(_View):
    def get(self, request: Request) -> Response:
        params = request.query_params
        queryset: QuerySet[Slot] = slots_for_account(self.client.account_id, self.now)
        # The JavaScript SDK spells it `resoure_id` in its list parameters.
        resource_id = params.get("resource_id") or params.get("resoure_id")
        if resource_id:
            queryset = queryset.filter(rental__public_id=parse_uuid(resource_id))
        available = inputs.query_bool(params.get("available"), "available")
        if available is not None:
            queryset = queryset.filter(Q(available=available))
        if params.get("start_date"):
            queryset = queryset.filter(
                start_at__gte=inputs.instant(params["start_date"], "start_date")
            )
        if params.get("end_date"):
            queryset = queryset.filter(end_at__lte=inputs.instant(params["end_date"], "end_date"))
        items, meta = paginate(request, queryset)
        return ok([slot_data(slot, self.now) for slot in items], meta=meta)

    def post(self, request: Request) -> Response:
        """One slot (an object) or several (an array, as the JavaScript SDK sends even
        one): all are created in one transaction, or none."""
        self.require_secret()
        data = request.data
        items = data if isinstance(data, list) else [self.body()]
        if not 1 <= len(items) <= slot_services.MAX_SLOTS_PER_CREATE:
            raise OverbookedError(
                "E013", f"send 1 to {slot_services.MAX_SLOTS_PER_CREATE} slots at once"
            )
        specs = [self._spec(item) for item in items]
        slots = slot_services.slots_create(specs=specs, actor=self.actor, now=self.now)
        rendered = [slot_data(self.slot(slot.public_id), self.now) for slot in slots]
        return ok(rendered if isinstance(data, list) else rendered[0])

    def _spec(self, item: Any) -> slot_services.SlotSpec:
        if not isinstance(item, dict):
            raise OverbookedError("E013", "each slot must be a JSON object")
        capacity = item.get("capacity")
        lockable = item.get("lockable")
        return slot_services.SlotSpec(
            rental=self.resource(inputs.required(item, "resource_id")),
            start_at=inputs.instant(inputs.required(item, "start_date"), "start_date"),
            end_at=inputs.instant(inputs.required(item, "end_date"), "end_date"),
            capacity=1 if capacity is None else inputs.integer(capacity, "capacity", "E047"),
            lockable=True if lockable is None else inputs.boolean(lockable, "lockable"),
            metadata=inputs.metadata(item.get("metadata")),
        )


class SlotDetailView(_View):
    def get(self, request: Request, slot_id: str) -> Response:
        return ok(slot_data(self.slot(slot_id), self.now))

    def patch(self, request: Request, slot_id: str) -> Response:
        self.require_secret()
        slot = self.slot(slot_id)
        body = self.body()
        capacity = body.get("capacity")
        lockable = body.get("lockable")
        slot = slot_services.slot_update(
            slot=slot,
            actor=self.actor,
            start_at=(
                None
                if body.get("start_date") is None
                else inputs.instant(body["start_date"], "start_date")
            ),
            end_at=(
                None
                if body.get("end_date") is None
                else inputs.instant(body["end_date"], "end_date")
            ),
            capacity=None if capacity is None else inputs.integer(capacity, "capacity", "E047"),
            lockable=None if lockable is None else inputs.boolean(lockable, "lockable"),
            metadata=inputs.metadata(body.get("metadata")),
            now=self.now,
        )
        return self.slot_response(slot)

    def delete(self, request: Request, slot_id: str) -> Response:
        self.require_secret()
        slot_services.slot_delete(slot=self.slot(slot_id), actor=self.actor, now=self.now)
        return ok({})


class SlotEnableView(_View):
    def post(self, request: Request, slot_id: str) -> Response:
        self.require_secret()
        slot = slot_services.slot_enable(slot=self.slot(slot_id), actor=self.actor, now=self.now)
        return self.slot_response(slot)


class SlotDisableView(_View):
    def post(self, request: Request, slot_id: str) -> Response:
        self.require_secret()
        slot = slot_services.slot_disable(slot=self.slot(slot_id), actor=self.actor, now=self.now)
        return self.slot_response(slot)


def _lock_key(body: dict[str, Any]) -> str:
    value = inputs.required(body, "lock_key")
    if not isinstance(value, str):
        raise OverbookedError("E013", "lock_key must be a string")
    return value  # its length is the service's rule


class SlotLockView(_View):
    def post(self, request: Request, slot_id: str) -> Response:
        slot = self.slot(slot_id)
        body = self.body()
        slot = slot_services.slot_lock(
            slot=slot,
            lock_until=inputs.instant(inputs.required(body, "lock_until"), "lock_until"),
            lock_key=_lock_key(body),
            actor=self.actor,
            now=self.now,
        )
        return self.slot_response(slot)


class SlotUnlockView(_View):
    def post(self, request: Request, slot_id: str) -> Response:
        slot = self.slot(slot_id)
        slot = slot_services.slot_unlock(
            slot=slot, lock_key=_lock_key(self.body()), actor=self.actor, now=self.now
        )
        return self.slot_response(slot)


# Bookings (every write through overbooked/bridge.py and the booking services)


def _optional_lock_key(body: dict[str, Any]) -> str | None:
    value = body.get("lock_key")
    if value is not None and not isinstance(value, str):
        raise OverbookedError("E013", "lock_key must be a string")
    return value or None


class BookingListView(_View):
    def get(self, request: Request) -> Response:
        params = request.query_params
        queryset = bridge.bookings_for_account(self.client.account_id)
        status = inputs.query_choice(params.get("status"), "status", ("active", "cancelled"))
        if status:
            queryset = bridge.bookings_with_status(queryset, status, self.now)
        if params.get("resource_id"):
            queryset = queryset.filter(rental__public_id=parse_uuid(params["resource_id"]))
        if params.get("slot_id"):
            queryset = bridge.bookings_of_slot(queryset, parse_uuid(params["slot_id"]))
        items, meta = paginate(request, queryset)
        return ok([bridge.booking_data(booking, self.now) for booking in items], meta=meta)

    def post(self, request: Request) -> Response:
        body = self.body()
        booking = bridge.booking_create_on_slot(
            account_id=self.client.account_id,
            slot_public_id=parse_uuid(inputs.required(body, "slot_id")),
            lock_key=_optional_lock_key(body),
            metadata=body.get("metadata"),
            actor=self.actor,
        )
        return self.booking_response(booking)


class BookingDetailView(_View):
    def get(self, request: Request, booking_id: str) -> Response:
        return ok(bridge.booking_data(self.booking(booking_id), self.now))

    def patch(self, request: Request, booking_id: str) -> Response:
        booking = self.booking(booking_id)
        metadata = self.body().get("metadata")
        if metadata is not None:
            booking = bridge.booking_update_metadata(
                booking=booking, metadata=metadata, actor=self.actor
            )
        return self.booking_response(booking)

    def delete(self, request: Request, booking_id: str) -> Response:
        self.require_secret()
        bridge.booking_delete(booking=self.booking(booking_id), actor=self.actor)
        return ok({})


class BookingCancelView(_View):
    def post(self, request: Request, booking_id: str) -> Response:
        booking = bridge.booking_cancel(booking=self.booking(booking_id), actor=self.actor)
        return self.booking_response(booking)


class BookingEnableView(_View):
    def post(self, request: Request, booking_id: str) -> Response:
        booking = bridge.booking_enable(booking=self.booking(booking_id), actor=self.actor)
        return self.booking_response(booking)


class BookingRescheduleView(_View):
    def post(self, request: Request, booking_id: str) -> Response:
        booking = self.booking(booking_id)
        target = parse_uuid(inputs.required(self.body(), "target_slot_id"))
        booking = bridge.booking_reschedule(
            booking=booking, target_slot_public_id=target, actor=self.actor
        )
        return self.booking_response(booking)
