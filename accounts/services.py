"""Writes of the accounts app: accounts and their API applications."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret

from accounts.models import Account, ApiKey, Application, User, api_key_hash
from core.errors import ValidationFailed
from core.scopes import normalize_scopes, unknown_scopes


@transaction.atomic
def api_client_create(
    *, account_name: str, name: str, scopes: list[str], redirect_uris: str = ""
) -> tuple[Application, str]:
    """Create a confidential application (client credentials + authorization code).

    Returns the application and its client secret in clear text: it is stored hashed
    and cannot be shown again.
    """
    unknown = unknown_scopes(scopes)
    if unknown:
        raise ValidationFailed({"scopes": [f"unknown scope {s}" for s in unknown]})
    account, _ = Account.objects.get_or_create(name=account_name)
    secret = generate_client_secret()
    application = Application.objects.create(
        account=account,
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uris,
        client_secret=secret,
        scopes=" ".join(normalize_scopes(scopes)),
    )
    return application, secret


@transaction.atomic
def manager_create(*, account: Account, username: str, password: str, email: str = "") -> User:
    """A property manager: a staff user of one account, who signs in to the admin."""
    user = User(username=username, email=email, account=account, is_staff=True)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def api_key_create(*, account: Account, kind: str, name: str = "") -> tuple[ApiKey, str]:
    """A new `pk_…` or `sk_…` key; returns the row and the key in clear text (shown once)."""
    key = ApiKey.new_key(kind)
    api_key = ApiKey.objects.create(
        account=account, kind=kind, name=name, key_hash=api_key_hash(key), hint=key[:10]
    )
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; a revoked key authenticates nothing."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db()
    return api_key
