""" "Now" as the database sees it, for decisions several hosts must agree on.

The expiry sweep runs on worker hosts whose clocks may be ahead of the web hosts' and
the database's: with its own clock a worker a minute fast would cancel holds a minute
early. PostgreSQL's clock is the one every writer's `updated_at` and every constraint
shares. SQLite lives on the process's own machine, so its clock is the process's.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone


def database_now() -> dt.datetime:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement_timestamp()")
            (now,) = cursor.fetchone()
        return now.astimezone(dt.UTC)
    return timezone.now()
