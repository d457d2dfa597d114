"""Writing the event log. Called by the services that make a change, inside their transaction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Func, IntegerField

from events.actors import Actor
from events.models import Event
from events.signals import events_recorded


class _CurrentTxid(Func):
    """The writing transaction's id (PostgreSQL), 0 elsewhere (SQLite serialises writers)."""

    output_field = IntegerField()
    template = "pg_current_xact_id()::text::bigint"

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        if connection.vendor == "postgresql":
            return self.template, []
        return "0", []


def json_value(value: Any) -> Any:
    """A field value as it goes into `changes`: JSON types, times as UTC `…Z` text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for the fields whose value differs."""
    return {
        name: [json_value(before.get(name)), json_value(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


@dataclass(frozen=True)
class EventSpec:
    """One event to write: what happened to which record, and how it changed."""

    event: str
    resource_type: str
    resource_id: int
    changes: Mapping[str, Any] | None = None


def event_record(
    *,
    account_id: int,
    event: str,
    resource_type: str,
    resource_id: int,
    actor: Actor,
    occurred_at: dt.datetime,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Write one event in the caller's transaction (one INSERT)."""
    events_record(
        account_id=account_id,
        actor=actor,
        occurred_at=occurred_at,
        specs=[EventSpec(event, resource_type, resource_id, changes)],
    )


def events_record(
    *,
    account_id: int,
    actor: Actor,
    occurred_at: dt.datetime,
    specs: Iterable[EventSpec],
) -> int:
    """Write several events of one change (a series, a payment) in one INSERT; how many."""
    return events_record_by_account(
        actor=actor, occurred_at=occurred_at, specs_by_account={account_id: specs}
    )


def events_record_by_account(
    *,
    actor: Actor,
    occurred_at: dt.datetime,
    specs_by_account: Mapping[int, Iterable[EventSpec]],
) -> int:
    """Write the events of one change that spans accounts (a sweep's batch) in one INSERT;
    how many. Each account's `events_recorded` follows, as for `events_record`."""
    txid = _CurrentTxid()
    actor_json = actor.as_json()
    rows = [
        Event(
            account_id=account_id,
            event=spec.event,
            resource_type=spec.resource_type,
            resource_id=spec.resource_id,
            occurred_at=occurred_at,
            actor=actor_json,
            changes=dict(spec.changes or {}),
            txid=txid,
        )
        for account_id, specs in specs_by_account.items()
        for spec in specs
    ]
    if rows:
        Event.objects.bulk_create(rows)
        counts = Counter(row.account_id for row in rows)
        for account_id, count in counts.items():
            events_recorded.send(sender=Event, account_id=account_id, count=count)
    return len(rows)


def events_purge(*, older_than: dt.datetime, batch_size: int = 10_000) -> int:
    """Delete events that occurred before `older_than`, in batches; how many."""
    deleted = 0
    while True:
        ids = list(
            Event.objects.filter(occurred_at__lt=older_than).values_list("id", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += Event.objects.filter(id__in=ids).delete()[0]
