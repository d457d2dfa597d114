"""`/api/v3/webhook_subscriptions`: an application's own subscriptions (DESIGN §11)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status as http
from rest_framework.response import Response

from accounts.models import Account, Application
from core import scopes
from core.errors import ValidationFailed
from core.schema import envelope_serializer, request_envelope_serializer
from core.viewsets import ResourceViewSet
from webhooks import services
from webhooks.api.serializers import SubscriptionInputSerializer, SubscriptionSerializer
from webhooks.models import Subscription

KEY = "webhook_subscriptions"
SUBSCRIPTIONS = envelope_serializer("WebhookSubscriptions", KEY, SubscriptionSerializer)
SUBSCRIPTION_REQUEST = request_envelope_serializer(
    "WebhookSubscription", KEY, SubscriptionInputSerializer
)


@extend_schema_view(
    list=extend_schema(
        summary="List this application's webhook subscriptions", responses=SUBSCRIPTIONS
    ),
    retrieve=extend_schema(summary="Show webhook subscriptions by id", responses=SUBSCRIPTIONS),
    create=extend_schema(
        summary="Subscribe (the answer shows the secret, once)",
        request=SUBSCRIPTION_REQUEST,
        responses={201: SUBSCRIPTIONS},
    ),
    update=extend_schema(
        summary="Change a subscription", request=SUBSCRIPTION_REQUEST, responses=SUBSCRIPTIONS
    ),
    partial_update=extend_schema(
        summary="Change a subscription; active=true re-enables a disabled one",
        request=SUBSCRIPTION_REQUEST,
        responses=SUBSCRIPTIONS,
    ),
    destroy=extend_schema(summary="Delete a subscription", request=None, responses={204: None}),
)
class WebhookSubscriptionViewSet(ResourceViewSet):
    resource_key = KEY
    queryset = Subscription.objects.none()
    serializer_class = SubscriptionSerializer
    read_scopes = (scopes.WEBHOOKS_READ, scopes.WEBHOOKS_WRITE)
    write_scopes = (scopes.WEBHOOKS_WRITE,)
    lookup_value_regex = r"[0-9]+(?:,[0-9]+)*"

    def scoped_queryset(self):
        return Subscription.objects.filter(
            account_id=self.client.account_id, application_id=self.client.application_id
        ).order_by("id")

    def _input(self, *, partial: bool) -> dict[str, Any]:
        serializer = SubscriptionInputSerializer(data=self.unwrap(), partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request):
        data = self._input(partial=False)
        if "url" not in data:
            raise ValidationFailed({"url": ["is required"]})
        subscription = services.subscription_create(
            account=Account(pk=self.client.account_id),
            application=Application(pk=self.client.application_id),
            url=data["url"],
            events=data.get("events", []),
            active=data.get("active", True),
        )
        return self.render_created(subscription, KEY)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "show_secret": self.action == "create"}

    def update(self, request, pk=None, partial=False):
        subscription = self.get_one(pk)
        data = self._input(partial=True)
        subscription = services.subscription_update(subscription=subscription, now=self.now, **data)
        return self.render([subscription])

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    def destroy(self, request, pk=None):
        services.subscription_delete(subscription=self.get_one(pk))
        return Response(status=http.HTTP_204_NO_CONTENT)
