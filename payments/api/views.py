"""`/api/v3/payments` and `/api/v3/bookings_payments`: thin views over payments/services.py,
scoped to the caller's account (scopes payments_read / payments_write)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import Booking
from core import scopes
from core.errors import NotFound
from core.schema import envelope_serializer, request_envelope_serializer
from core.viewsets import ResourceViewSet, parse_ids
from events.actors import Actor
from payments import services
from payments.api import serializers as s
from payments.models import BookingsPayment, Payment

PAYMENTS = envelope_serializer("Payments", "payments", s.PaymentSerializer)
PAYMENT_REQUEST = request_envelope_serializer("Payment", "payments", s.PaymentInputSerializer)
PAYMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
READ = (scopes.PAYMENTS_READ, scopes.PAYMENTS_WRITE)


@extend_schema_view(
    list=extend_schema(summary="List payments", responses=PAYMENTS),
    retrieve=extend_schema(
        summary="Show payments by id (comma list)",
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$")
        ],
        responses=PAYMENTS,
    ),
    create=extend_schema(
        summary="Record a payment", request=PAYMENT_REQUEST, responses={201: PAYMENTS}
    ),
    update=extend_schema(
        summary="Update a payment",
        parameters=[PAYMENT_ID],
        request=PAYMENT_REQUEST,
        responses=PAYMENTS,
    ),
    partial_update=extend_schema(
        summary="Update a payment",
        parameters=[PAYMENT_ID],
        request=PAYMENT_REQUEST,
        responses=PAYMENTS,
    ),
    destroy=extend_schema(
        summary="Cancel a payment (the row stays, with canceled_at)",
        parameters=[PAYMENT_ID],
        request=None,
        responses={204: None},
    ),
)
class PaymentViewSet(ResourceViewSet):
    resource_key = "payments"
    queryset = Payment.objects.none()
    serializer_class = s.PaymentSerializer
    relations = {
        "account": "accounts",
        "bookings": "bookings",
        "bookings_payments": "bookings_payments",
    }
    read_scopes = READ
    write_scopes = (scopes.PAYMENTS_WRITE,)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if self.action == "create_on_booking":
            self.action = "create"  # a write: needs payments_write
        super().initial(request, *args, **kwargs)

    def scoped_queryset(self):
        return (
            Payment.objects.filter(account_id=self.client.account_id)
            .prefetch_related(
                Prefetch(
                    "shares",
                    queryset=BookingsPayment.objects.filter(account_id=self.client.account_id)
                    .select_related("booking__rental")
                    .order_by("id"),
                )
            )
            .order_by("id")
        )

    @property
    def actor(self) -> Actor:
        return Actor.application(self.client.application_id)

    def _input(self, *, partial: bool, default_booking_id: int | None = None):
        serializer = s.PaymentInputSerializer(data=self.unwrap(), partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.to_input(default_booking_id=default_booking_id)

    def _fresh(self, payment: Payment) -> Payment:
        return self.scoped_queryset().get(pk=payment.pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payment = services.payment_create(
            account_id=self.client.account_id,
            data=self._input(partial=False),
            actor=self.actor,
            application_id=self.client.application_id,
            now=self.now,
        )
        return self.render_created(self._fresh(payment), "payments")

    @extend_schema(
        summary="Record a payment of a booking (the whole amount goes to it unless "
        "bookings_payments says otherwise)",
        parameters=[OpenApiParameter("booking_id", int, OpenApiParameter.PATH)],
        request=PAYMENT_REQUEST,
        responses={201: PAYMENTS},
    )
    def create_on_booking(self, request: Request, booking_id: str) -> Response:
        ids = parse_ids(booking_id)
        booking = Booking.objects.for_account(self.client.account_id).filter(pk__in=ids[:1]).first()
        if booking is None:
            raise NotFound({"booking_id": ["not found"]})
        payment = services.payment_create(
            account_id=self.client.account_id,
            data=self._input(partial=False, default_booking_id=booking.pk),
            actor=self.actor,
            application_id=self.client.application_id,
            now=self.now,
        )
        return self.render_created(self._fresh(payment), "payments")

    def update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        payment = services.payment_update(
            payment=self.get_one(pk), data=self._input(partial=True), actor=self.actor, now=self.now
        )
        return self.render([self._fresh(payment)])

    def partial_update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, pk)

    def destroy(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        services.payment_cancel(payment=self.get_one(pk), actor=self.actor, now=self.now)
        return Response(status=http.HTTP_204_NO_CONTENT)


BOOKINGS_PAYMENTS = envelope_serializer(
    "BookingsPayments", "bookings_payments", s.BookingsPaymentSerializer
)


@extend_schema_view(
    list=extend_schema(summary="List bookings payments", responses=BOOKINGS_PAYMENTS),
    retrieve=extend_schema(
        summary="Show bookings payments by id (comma list)",
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[0-9]+(,[0-9]+)*$")
        ],
        responses=BOOKINGS_PAYMENTS,
    ),
)
class BookingsPaymentViewSet(ResourceViewSet):
    resource_key = "bookings_payments"
    queryset = BookingsPayment.objects.none()
    serializer_class = s.BookingsPaymentSerializer
    relations = {
        "account": "accounts",
        "booking": "bookings",
        "payment": "payments",
        "rental": "rentals",
    }
    read_scopes = READ
    write_scopes = (scopes.PAYMENTS_WRITE,)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    def scoped_queryset(self):
        return (
            BookingsPayment.objects.filter(account_id=self.client.account_id)
            .select_related("payment", "booking")
            .order_by("id")
        )
