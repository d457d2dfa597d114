"""Claiming, completing and purging idempotency keys (DESIGN §13).

The hot path — a new key — costs one INSERT to claim and one UPDATE to store the answer.
The claim is a single `INSERT … ON CONFLICT DO UPDATE … WHERE` that also takes over an
expired key or an abandoned claim, so a fresh key, a key past its 24 hours and a key of a
request that died mid-way all claim in one statement, atomically: of concurrent requests
with one key exactly one gets the row back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection

from idempotency.models import IdempotencyKey

KEY_LIFETIME = dt.timedelta(hours=24)
# A claim still running after this long belongs to a request that died (web requests time
# out well before); the next retry may take the key over.
CLAIM_TIMEOUT = dt.timedelta(minutes=2)
MAX_KEY_LENGTH = 255


class KeyInvalid(Exception):
    """The header is empty, too long, or not printable ASCII."""


class KeyReused(Exception):
    """The key was used for a different request."""


class KeyInUse(Exception):
    """The first request with this key is still running."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: dict[str, str]


def key_validate(raw: str) -> str:
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in raw):
        raise KeyInvalid("Idempotency-Key must be 1 to 255 printable ASCII characters")
    return raw


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))  # lengths keep the parts apart
        digest.update(part)
    return digest.hexdigest()


def _claim_sql() -> str:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    q = connection.ops.quote_name
    columns = ", ".join(
        q(name)
        for name in (
            "owner",
            "key",
            "fingerprint",
            "created_at",
            "expires_at",
            "locked_until",
            "response_status",
            "response_body",
            "response_headers",
        )
    )
    # Only quoted identifiers are formatted in; every value is a parameter.
    return (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, NULL, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({q('owner')}, {q('key')}) DO UPDATE SET "
        f"{q('fingerprint')} = excluded.{q('fingerprint')}, "
        f"{q('created_at')} = excluded.{q('created_at')}, "
        f"{q('expires_at')} = excluded.{q('expires_at')}, "
        f"{q('locked_until')} = excluded.{q('locked_until')}, "
        f"{q('response_status')} = NULL, "
        f"{q('response_body')} = excluded.{q('response_body')}, "
        f"{q('response_headers')} = excluded.{q('response_headers')} "
        f"WHERE {table}.{q('expires_at')} <= excluded.{q('created_at')} "
        f"OR ({table}.{q('response_status')} IS NULL "
        f"AND {table}.{q('locked_until')} <= excluded.{q('created_at')}) "
        f"RETURNING {q('id')}"
    )


def key_claim(*, owner: str, key: str, fingerprint: str, now: dt.datetime) -> int | StoredResponse:
    """Claim `key` for this request: its row id, or the stored response to replay.

    Raises KeyReused (another request's key) or KeyInUse (its first request still runs).
    """
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = [
        owner,
        key,
        fingerprint,
        adapt(now),
        adapt(now + KEY_LIFETIME),
        adapt(now + CLAIM_TIMEOUT),
        b"",
        "{}",
    ]
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), params)
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    existing = (
        IdempotencyKey.objects.filter(owner=owner, key=key)
        .only("fingerprint", "response_status", "response_body", "response_headers")
        .first()
    )
    if existing is None:  # purged between the two statements: claim again
        return key_claim(owner=owner, key=key, fingerprint=fingerprint, now=now)
    if existing.fingerprint != fingerprint:
        raise KeyReused("this Idempotency-Key was used with a different request")
    if existing.response_status is None:
        raise KeyInUse("a request with this Idempotency-Key is still running")
    return StoredResponse(
        status=existing.response_status,
        body=bytes(existing.response_body),
        headers=dict(existing.response_headers),
    )


def key_complete(*, claim_id: int, status: int, body: bytes, headers: dict[str, str]) -> None:
    """Store the answer of a claimed request (not for 5xx: see key_release)."""
    IdempotencyKey.objects.filter(pk=claim_id).update(
        response_status=status, response_body=body, response_headers=headers, locked_until=None
    )


def key_release(*, claim_id: int) -> None:
    """Forget a claim whose request failed with a 5xx, so a retry runs again."""
    IdempotencyKey.objects.filter(pk=claim_id).delete()


def keys_purge(*, now: dt.datetime, batch_size: int = 10_000) -> int:
    """Delete expired keys in batches; how many."""
    deleted = 0
    while True:
        ids = list(
            IdempotencyKey.objects.filter(expires_at__lte=now).values_list("id", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyKey.objects.filter(id__in=ids).delete()[0]
