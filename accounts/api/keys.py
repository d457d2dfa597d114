"""`Authorization: Bearer pk_…|sk_…`: Overbooked-style API keys resolved to one account."""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework import authentication, exceptions

from accounts.models import ApiKey, api_key_hash

KEY_PREFIXES = ("pk_", "sk_")
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class KeyClient:
    """Who is calling with an API key: the key's account, the key, and its kind."""

    account_id: int
    api_key_id: int
    kind: str
    is_authenticated: bool = field(default=True, init=False)
    is_anonymous: bool = field(default=False, init=False)

    @property
    def is_secret(self) -> bool:
        return self.kind == ApiKey.Kind.SECRET

    @property
    def rate_limit_owner(self) -> str:
        return f"key:{self.api_key_id}"

    @property
    def actor_label(self) -> str:
        return f"api-key-{self.api_key_id}"


class InvalidApiKey(exceptions.AuthenticationFailed):
    default_detail = "Unauthorized, API Key invalid"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """One indexed lookup by the key's SHA-256; revoked keys authenticate nothing."""

    def authenticate(self, request):
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return None
        raw = raw.strip()
        if not raw.startswith(KEY_PREFIXES) or len(raw) > MAX_KEY_LENGTH:
            raise InvalidApiKey()
        api_key = (
            ApiKey.objects.filter(key_hash=api_key_hash(raw), revoked_at__isnull=True)
            .only("id", "account_id", "kind")
            .first()
        )
        if api_key is None or not raw.startswith(ApiKey.PREFIXES[ApiKey.Kind(api_key.kind)]):
            raise InvalidApiKey()
        return KeyClient(
            account_id=api_key.account_id, api_key_id=api_key.pk, kind=api_key.kind
        ), api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
