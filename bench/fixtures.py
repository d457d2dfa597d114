"""Who the benchmarks act as: one API token per account, a superuser and a manager.

Tokens are written straight into django-oauth-toolkit's table with known values and a
far expiry, so load generators can use them without an OAuth round trip.
"""

from __future__ import annotations

import datetime as dt
import hashlib

ADMIN_USERNAME = "bench-admin"
MANAGER_USERNAME = "bench-manager"
PASSWORD = "bench-password-not-secret"  # noqa: S105 (bench database only)
SCOPES = "public bookings_read bookings_write rentals_read clients_read"


def token_for(account_id: int) -> str:
    return f"bench-token-account-{account_id}"


def ensure_fixtures() -> dict:
    """Create (or keep) the bench application, token and users; return what they are."""
    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    from accounts.models import Account, Application, User

    expires = timezone.now() + dt.timedelta(days=365)
    accounts = list(Account.objects.order_by("id"))
    for account in accounts:
        application, _ = Application.objects.get_or_create(
            account=account,
            name="bench",
            defaults={
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
                "scopes": SCOPES,
            },
        )
        # Kept while it has months to live: replacing a token marks its cache entry
        # revoked for a while (core/authentication.py), which would slow the next run.
        # The lookup column is a checksum derived on save, so replace rather than update.
        tokens = AccessToken.objects.filter(application=application)
        kept = tokens.filter(
            token_checksum=hashlib.sha256(token_for(account.pk).encode()).hexdigest(),
            scope=SCOPES,
            expires__gt=expires - dt.timedelta(days=300),
        )
        if not kept.exists():
            tokens.delete()
            AccessToken.objects.create(
                token=token_for(account.pk), application=application, scope=SCOPES, expires=expires
            )
    admin, _ = User.objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    admin.set_password(PASSWORD)
    admin.save()
    manager, _ = User.objects.get_or_create(
        username=MANAGER_USERNAME, defaults={"is_staff": True, "account": accounts[0]}
    )
    manager.account = accounts[0]
    manager.is_staff = True
    manager.set_password(PASSWORD)
    manager.save()
    return {
        "accounts": [a.pk for a in accounts],
        "admin": ADMIN_USERNAME,
        "manager": MANAGER_USERNAME,
        "manager_account_id": accounts[0].pk,
    }
