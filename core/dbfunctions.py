"""Database expressions that work on PostgreSQL and SQLite alike (column defaults)."""

from __future__ import annotations

from django.db import models


class RandomUUID(models.Func):
    """A random UUID made by the database, so rows inserted with raw SQL get one too.

    PostgreSQL: `gen_random_uuid()` (a version 4 UUID). SQLite stores a UUIDField as 32
    hex digits; 16 random bytes in hex are a valid value there (not version-stamped).
    """

    output_field = models.UUIDField()
    template = "gen_random_uuid()"

    def as_sqlite(self, compiler, connection, **extra_context):
        return "(lower(hex(randomblob(16))))", []
