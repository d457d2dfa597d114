"""OAuth2 views: the consent page (own account only), a throttled token endpoint and
introspection of the caller's own tokens."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import AccessToken
from oauth2_provider.views import AuthorizationView, IntrospectTokenView, TokenView
from oauthlib.common import Request as OauthlibRequest

from accounts.models import Application
from core import ratelimit
from core.clientip import client_ip


class AccountAuthorizationView(AuthorizationView):
    """A token always acts for its application's account, so only a user of that
    account may grant it: anyone else would hand out access to data that is not theirs.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client_id = request.POST.get("client_id") or request.GET.get("client_id")
        if request.user.is_authenticated and client_id:
            application = Application.objects.filter(client_id=client_id).first()
            if application is not None and application.account_id != getattr(
                request.user, "account_id", None
            ):
                return render(
                    request,
                    self.template_name,
                    {
                        "error": {
                            "error": "access_denied",
                            "description": "This application belongs to another account.",
                        }
                    },
                    status=403,
                )
        return super().dispatch(request, *args, **kwargs)


def _client_id(request: HttpRequest) -> str:
    """The client id a token request names: HTTP Basic first, then the form field."""
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.partition(":")[0])
    return str(request.POST.get("client_id", ""))


class ThrottledTokenView(TokenView):
    """/oauth/token, limited per client id and per address (OAUTH_TOKEN_RATE_LIMIT a minute).

    A guessed client secret, a replayed code or refresh token all cost a request here;
    the budget is counted before oauthlib checks anything, so failures count too.
    """

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limit = settings.OAUTH_TOKEN_RATE_LIMIT
        owners = [f"token-address:{client_ip(request)}"]
        client_id = _client_id(request)[:255]
        if client_id:
            owners.append(f"token-client:{hashlib.sha256(client_id.encode()).hexdigest()}")
        states = [ratelimit.consume(owner, limit=limit, window_seconds=60) for owner in owners]
        exceeded = [state for state in states if state.exceeded]
        if exceeded:
            response = JsonResponse(
                {
                    "error": "rate_limit_exceeded",
                    "error_description": f"more than {limit} token requests in a minute",
                },
                status=429,
            )
            response["Retry-After"] = str(max(1, int(exceeded[0].reset - time.time())))
            return response
        return super().post(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class OwnApplicationIntrospectTokenView(IntrospectTokenView):
    """RFC 7662 introspection, POST only, answering only about the caller's own tokens.

    The caller authenticates as an application (HTTP Basic or client_id/client_secret);
    a token of any other application is reported `{"active": false}`, exactly like an
    unknown one, so no client learns anything about another's tokens.
    """

    http_method_names = ["post"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":  # a token in a URL ends up in access logs
            response = JsonResponse(
                {"error": "invalid_request", "error_description": "use POST"}, status=405
            )
            response["Allow"] = "POST"
            return response
        core = self.get_oauthlib_core()
        uri, http_method, body, headers = core._extract_params(request)
        oauth_request = OauthlibRequest(uri, http_method, body, headers)
        if not core.server.request_validator.authenticate_client(oauth_request):
            return JsonResponse({"error": "invalid_client"}, status=401)
        token_value = request.POST.get("token")
        if not token_value:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "Token parameter is missing."},
                status=400,
            )
        checksum = hashlib.sha256(token_value.encode()).hexdigest()
        if not AccessToken.objects.filter(
            token_checksum=checksum, application_id=oauth_request.client.pk
        ).exists():
            return JsonResponse({"active": False})
        return self.get_token_response(token_value)
