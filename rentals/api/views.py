"""`/api/v3/rentals`: thin views over rentals/services.py, scoped to the caller's account."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.response import Response

from core import scopes
from core.schema import envelope_serializer, request_envelope_serializer
from core.viewsets import ResourceViewSet
from events.actors import Actor
from rentals import selectors, services
from rentals.api import extensions
from rentals.api.serializers import RentalInputSerializer, RentalSerializer
from rentals.inputs import rental_input_from_wire
from rentals.models import Rental

RENTALS = envelope_serializer("Rentals", "rentals", RentalSerializer)
RENTAL_REQUEST = request_envelope_serializer("Rental", "rentals", RentalInputSerializer)


@extend_schema_view(
    list=extend_schema(summary="List rentals", responses=RENTALS),
    retrieve=extend_schema(summary="Show rentals by id (comma list)", responses=RENTALS),
    create=extend_schema(
        summary="Create a rental", request=RENTAL_REQUEST, responses={201: RENTALS}
    ),
    update=extend_schema(summary="Update a rental", request=RENTAL_REQUEST, responses=RENTALS),
    partial_update=extend_schema(
        summary="Update a rental", request=RENTAL_REQUEST, responses=RENTALS
    ),
    destroy=extend_schema(
        summary="Delete a rental (422 while it has bookings)", request=None, responses={204: None}
    ),
)
class RentalViewSet(ResourceViewSet):
    resource_key = "rentals"
    queryset = Rental.objects.none()
    serializer_class = RentalSerializer
    read_scopes = (scopes.RENTALS_READ, scopes.RENTALS_WRITE)
    write_scopes = (scopes.RENTALS_WRITE,)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    def scoped_queryset(self):
        return selectors.rentals_for_account(self.client.account_id)

    @property
    def actor(self) -> Actor:
        return Actor.application(self.client.application_id)

    def render(self, objects, **kwargs):
        # Fields added by apps above rentals (ical_url), computed once for the page.
        self.extras = extensions.extra_fields(objects, self.request, self.client)
        return super().render(objects, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "extras": getattr(self, "extras", {})}

    def create(self, request):
        rental = services.rental_create(
            account_id=self.client.account_id,
            rental_input=rental_input_from_wire(self.unwrap(), creating=True),
            actor=self.actor,
        )
        return self.render_created(rental, "rentals")

    def update(self, request, pk=None, partial=False):
        rental = services.rental_update(
            rental=self.get_one(pk),
            rental_input=rental_input_from_wire(self.unwrap()),
            actor=self.actor,
        )
        return self.render([rental])

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def destroy(self, request, pk=None):
        services.rental_delete(rental=self.get_one(pk), actor=self.actor)
        return Response(status=http.HTTP_204_NO_CONTENT)
