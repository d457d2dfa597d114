"""The clock of a write: read after the write's locks, from the database where it can be.

A write that waited on a lock must not stamp `updated_at` / `canceled_at` (or judge a
hold's expiry) with the time its request started: a poller may already have been told
that everything up to a later time was delivered (DESIGN §4, "No update is ever
missed"). On PostgreSQL the stamp is the database's `clock_timestamp()`, the same clock
as the watermark readers compute from `pg_stat_activity.xact_start`, so no skew between
web machines can put a commit behind a watermark. SQLite has one machine and one clock.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone


def write_clock(now: dt.datetime | None = None) -> dt.datetime:
    """`now` when the caller fixed it (tests, replays), else the current time."""
    if now is not None:
        return now
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    return timezone.now()


def sync_watermark() -> dt.datetime:
    """A time no later commit can be stamped before (the synced-at value of a list).

    PostgreSQL: the earlier of now and the start of the oldest transaction that holds
    a transaction id (has written or locked a row) — a transaction without one stamps
    its rows only after it takes its first lock, so after this moment. SQLite: writers
    are serialised, so taking the write lock briefly waits out any writer in progress;
    every later writer stamps after now.
    """
    if connection.vendor == "postgresql":
        # The statement lives in a PL/pgSQL function (events/migrations/0002), so its
        # plan over pg_stat_activity is made once per connection instead of per request.
        with connection.cursor() as cursor:
            cursor.execute("SELECT sync_watermark()")
            return cursor.fetchone()[0]
    if connection.in_atomic_block:
        return timezone.now()
    from django.db import transaction

    with transaction.atomic():  # BEGIN IMMEDIATE: waits for the writer in progress
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return timezone.now()
