"""Reading the event log: the feed in commit-safe order, and one record's history."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from events.models import Event

_CURSOR = re.compile(r"^(\d{1,19})-(\d{1,19})$")
MAX_CURSOR_PART = 2**63 - 1


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in an account's feed: after the event (txid, id).

    Event ids are given out before commit, so ids alone do not order commits. The feed
    orders by the writing transaction's id first and serves only events of transactions
    older than every transaction still running; an event that commits later always sorts
    after every cursor already handed out (DESIGN §8, §4 "No update is ever missed").
    """

    txid: int = 0
    id: int = 0

    def __str__(self) -> str:
        return f"{self.txid}-{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """`None`/`""`/`"0"` → the start; `"<txid>-<id>"` → that position; else None."""
        if text is None or text.strip() in {"", "0"}:
            return cls()
        match = _CURSOR.match(text.strip())
        if not match:
            return None
        txid, id_ = int(match[1]), int(match[2])
        if txid > MAX_CURSOR_PART or id_ > MAX_CURSOR_PART:
            return None
        return cls(txid, id_)


def _settled() -> Q:
    """Events whose transaction ended before every transaction still running began."""
    if connection.vendor != "postgresql":
        return Q()  # SQLite: one writer at a time, so id order is commit order
    oldest_running = RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [])
    # A transaction sees its own events too (a test, a service reading back its work).
    own = RawSQL("coalesce(pg_current_xact_id_if_assigned()::text::bigint, -1)", [])
    return Q(txid__lt=oldest_running) | Q(txid=own)


def event_feed(*, account_id: int, after: Cursor, limit: int) -> list[Event]:
    """Up to `limit` events of the account after the cursor, in commit-safe order."""
    position = Q(txid__gt=after.txid) | Q(txid=after.txid, id__gt=after.id)
    return list(
        Event.objects.filter(position, _settled(), account_id=account_id).order_by("txid", "id")[
            :limit
        ]
    )


def record_history(*, account_id: int, resource_type: str, resource_id: int) -> QuerySet[Event]:
    """A record's events, oldest first (the admin's History panel)."""
    return Event.objects.filter(
        account_id=account_id, resource_type=resource_type, resource_id=resource_id
    ).order_by("id")
