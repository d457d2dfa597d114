"""The two signatures on every delivery (DESIGN §11): BookingSync's and Standard Webhooks'."""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
_RUBY_LINE = 60  # Ruby's Base64.encode64 (pack "m"): a newline after every 60 characters


def ruby_encode64(data: bytes) -> bytes:
    """Ruby's `Base64.encode64`: base64 in lines of 60 characters, each ending in a newline
    (Python's `base64.encodebytes` breaks at 76, so it cannot be used)."""
    encoded = base64.b64encode(data)
    return b"".join(
        encoded[start : start + _RUBY_LINE] + b"\n" for start in range(0, len(encoded), _RUBY_LINE)
    )


def bookingsync_signature(secret: str, body: bytes) -> str:
    """`X-Content-Signature`: hex HMAC-SHA1, keyed with the whole secret string, of
    Ruby's `Base64.encode64` of the raw body."""
    return hmac.new(secret.encode(), ruby_encode64(body), hashlib.sha1).hexdigest()


def standard_webhooks_signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: `v1,` + base64 HMAC-SHA256, keyed with the base64-decoded part
    of the secret, of `{msg_id}.{timestamp}.{body}` (standardwebhooks.com)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Bookings-Webhooks/1",
        "X-Content-Signature": bookingsync_signature(secret, body),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhooks_signature(
            secret, msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }
