"""Bearer-token authentication that resolves every token to exactly one account."""

from __future__ import annotations

from dataclasses import dataclass, field

from oauth2_provider.contrib.rest_framework import OAuth2Authentication

from accounts.scopes import normalize_scopes


@dataclass(frozen=True)
class ApiClient:
    """Who is calling: the token's account, application and scopes.

    Client-credentials tokens have no user, so this, not a User, is `request.user`.
    """

    account_id: int
    application_id: int
    scopes: frozenset[str]
    user_id: int | None = None
    is_authenticated: bool = field(default=True, init=False)
    is_anonymous: bool = field(default=False, init=False)

    def has_scope(self, *scopes: str) -> bool:
        return any(scope in self.scopes for scope in scopes)


class BearerTokenAuthentication(OAuth2Authentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        application = token.application
        if application is None:  # tokens are always issued to an application; be strict
            return None
        client = ApiClient(
            account_id=application.account_id,
            application_id=application.pk,
            scopes=frozenset(normalize_scopes(token.scope.split())),
            user_id=token.user_id,
        )
        return client, token
