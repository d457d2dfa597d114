"""`GET /api/v3/auth`: what the presented token is."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema, inline_serializer
from oauth2_provider.models import AccessToken
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Account
from core.authentication import ApiClient
from core.scopes import normalize_scopes
from core.views import ApiViewMixin


class AuthView(ApiViewMixin, APIView):
    """What the presented token is: its account, application and scopes."""

    @extend_schema(
        responses=inline_serializer(
            "AuthEnvelope",
            {
                "links": serializers.DictField(),
                "auth": inline_serializer(
                    "Auth",
                    {
                        "account_id": serializers.IntegerField(),
                        "application_id": serializers.IntegerField(),
                        "account_slug": serializers.CharField(),
                        "scopes": serializers.ListField(child=serializers.CharField()),
                        "expires_at": serializers.DateTimeField(),
                    },
                    many=True,
                ),
                "meta": serializers.DictField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        # BearerTokenAuthentication (the only authentication class) sets both.
        client = cast(ApiClient, request.user)
        token = cast(AccessToken, request.auth)
        return Response(
            {
                "links": {},
                "auth": [
                    {
                        "account_id": client.account_id,
                        "application_id": client.application_id,
                        "account_slug": Account.objects.values_list("slug", flat=True).get(
                            pk=client.account_id
                        ),
                        "scopes": normalize_scopes(client.scopes),
                        "expires_at": token.expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                ],
                "meta": {},
            }
        )
