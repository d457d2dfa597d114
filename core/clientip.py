"""The client's address, seen through the proxies the deployment trusts (TRUSTED_PROXY_COUNT).

Per-address throttles (the sign-in lockout, /oauth/token, the schema) would otherwise
count every request behind a reverse proxy as coming from the proxy.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with N trusted proxies the address the outermost one received from.

    Each proxy appends the address it was contacted from to X-Forwarded-For, so only the
    last N entries are trustworthy; anything left of them the client could have written.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    return forwarded[-count] if len(forwarded) >= count else remote
