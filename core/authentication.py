"""Bearer-token authentication that resolves every token to exactly one account.

With Redis as the cache (every deployment with more than one process), a token's
lookup is cached for TOKEN_CACHE_SECONDS under its SHA-256 checksum, so a request
authenticates in one Redis GET instead of a database query. Revocation is immediate:
saving or deleting a token (revoke, refresh, expiry set, admin) or saving its
application writes a "revoked" marker over the entry, at once and again on commit, and
an entry is only ever *added* where nothing is (SET NX), so a request that read the
token just before it was revoked cannot put it back. Only a change made behind Django's
back (raw SQL, `QuerySet.update`) waits for the entry to expire: TOKEN_CACHE_SECONDS.
Without Redis (local memory is per process) every request reads the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken

from core import ratelimit
from core.scopes import normalize_scopes


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

    @property
    def rate_limit_owner(self) -> str:
        return f"app:{self.application_id}"

    def has_scope(self, *scopes: str) -> bool:
        return any(scope in self.scopes for scope in scopes)


TOKEN_CACHE_SECONDS = 60
# Longer than any request takes between reading a token and caching it.
REVOKED_MARKER_SECONDS = 120
_REVOKED = "revoked"

# (token id, expires, scope, account id, application id, user id)
CachedToken = tuple[int, dt.datetime, str, int, int, int | None]


def _shared_cache() -> RedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def _cache_key(checksum: str) -> str:
    return f"bearer-token:{checksum}"


def forget_tokens(checksums: list[str]) -> None:
    """Mark these tokens revoked in the cache now and once the transaction commits."""
    cache = _shared_cache()
    checksums = [c for c in checksums if c]
    if cache is None or not checksums:
        return
    markers = {_cache_key(checksum): _REVOKED for checksum in checksums}

    def mark() -> None:
        cache.set_many(markers, timeout=REVOKED_MARKER_SECONDS)

    mark()  # readers go to the database from now on (they see the old row until commit)
    transaction.on_commit(mark)  # and no entry read before the commit survives it


def token_changed(sender: Any, instance: AccessToken, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return  # a new checksum has no entry (a deleted one's marker is still there)
    forget_tokens([instance.token_checksum])


def application_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return
    forget_tokens(
        list(
            AccessToken.objects.filter(application_id=instance.pk).values_list(
                "token_checksum", flat=True
            )
        )
    )


def connect_token_cache_signals() -> None:
    """Called from accounts.apps: every process that can change a token invalidates."""
    from django.conf import settings
    from django.db.models.signals import post_delete, post_save

    post_save.connect(token_changed, sender=AccessToken, dispatch_uid="token-cache-save")
    post_delete.connect(token_changed, sender=AccessToken, dispatch_uid="token-cache-delete")
    post_save.connect(
        application_changed,
        sender=settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        dispatch_uid="token-cache-application",
    )


# checksum -> application id of tokens this process authenticated: which counter to
# increment in the same round trip as the token's lookup. Only a guess: the count is
# given back when the lookup says otherwise (core.views uses it only for that owner).
_APPLICATION_OF: dict[str, int] = {}


def _get_and_count(request: Any, cache: RedisCache, checksum: str) -> Any:
    """The token's cache entry; with it, when this process knows the token's application,
    the application's rate-limit count — one Redis round trip for both."""
    application_id = _APPLICATION_OF.get(checksum)
    client_cache = cache._cache  # type: ignore[attr-defined]
    if application_id is None or len(getattr(client_cache, "_servers", ())) != 1:
        return cache.get(_cache_key(checksum))
    owner = f"app:{application_id}"
    now = time.time()
    counter, timeout, _ = ratelimit.window_key(owner, now)
    token_key = cache.make_and_validate_key(_cache_key(checksum))
    counter_key = cache.make_and_validate_key(counter)
    pipeline = client_cache.get_client(token_key, write=True).pipeline(transaction=True)
    pipeline.get(token_key)
    ratelimit.count_commands(pipeline, counter_key, timeout)
    raw, _, count = pipeline.execute()
    request._rate_limit_counted = (owner, now, int(count))
    return None if raw is None else client_cache._serializer.loads(raw)


def _uncount(owner: str, now: float) -> None:
    cache = _shared_cache()
    if cache is not None:
        counter, _, _ = ratelimit.window_key(owner, now)
        with contextlib.suppress(ValueError):  # the window is gone already
            cache.decr(counter)


class BearerTokenAuthentication(OAuth2Authentication):
    """The `Authorization: Bearer` header (only), looked up as django-oauth-toolkit stores it.

    Every API call authenticates, so the common case skips oauthlib's request machinery
    (a third of a small request's CPU) and does what its validator does: one query by
    the token's SHA-256 checksum, then expiry. A token restricted to a resource
    (RFC 8707) takes django-oauth-toolkit's full path, which checks the audience.
    """

    def authenticate(self, request):
        scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            return None  # only the header: a token in a URL ends up in access logs
        checksum = hashlib.sha256(raw.encode()).hexdigest()
        request._bearer_checksum = checksum
        cache = _shared_cache()
        cached = None
        if cache is not None:
            cached = _get_and_count(request, cache, checksum)
        if cached is not None and cached != _REVOKED:
            return self._checked(request, self._from_cache(request, checksum, cached))
        token = (
            AccessToken.objects.select_related("application")
            .filter(token_checksum=checksum)
            .first()
        )
        if token is not None and token.resource:
            result = super().authenticate(request)
            token = result[1] if result else None
        if token is None or token.is_expired() or token.application is None:
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The access token is invalid or has expired.",
            }
            return self._checked(request, None)
        application = token.application
        client = ApiClient(
            account_id=application.account_id,
            application_id=application.pk,
            scopes=frozenset(normalize_scopes(token.scope.split())),
            user_id=token.user_id,
        )
        if cache is not None and cached is None and not token.resource:
            entry: CachedToken = (
                token.pk,
                token.expires,
                token.scope,
                application.account_id,
                application.pk,
                token.user_id,
            )
            # Add, never set: a "revoked" marker written meanwhile wins.
            cache.add(_cache_key(checksum), entry, timeout=TOKEN_CACHE_SECONDS)
        return self._checked(request, (client, token))

    def _checked(self, request, result):
        """Remember the token's application (to count its next request in the lookup's
        round trip); give back a count made for another caller, or for none."""
        counted = getattr(request, "_rate_limit_counted", None)
        owner = result[0].rate_limit_owner if result else None
        if result:
            if len(_APPLICATION_OF) > 10_000:
                _APPLICATION_OF.clear()
            _APPLICATION_OF[request._bearer_checksum] = result[0].application_id
        if counted is not None and counted[0] != owner:
            del request._rate_limit_counted
            _uncount(counted[0], counted[1])
        return result

    def _from_cache(self, request, checksum: str, entry: CachedToken):
        token_id, expires, scope, account_id, application_id, user_id = entry
        if timezone.now() >= expires:
            request.oauth2_error = {
                "error": "invalid_token",
                "error_description": "The access token is invalid or has expired.",
            }
            return None  # _checked gives the count back
        client = ApiClient(
            account_id=account_id,
            application_id=application_id,
            scopes=frozenset(normalize_scopes(scope.split())),
            user_id=user_id,
        )
        # request.auth: the token's row as read when cached (not saved from here).
        token = AccessToken(
            id=token_id,
            token_checksum=checksum,
            expires=expires,
            scope=scope,
            application_id=application_id,
            user_id=user_id,
        )
        return client, token
