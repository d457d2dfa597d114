"""Migration operations the project's migrations share."""

from __future__ import annotations

from django.db import migrations


def postgresql_only(create: str, drop: str) -> migrations.RunPython:
    """Run `create` forwards and `drop` backwards on PostgreSQL; nothing on SQLite.

    For what Django's schema editor cannot write for both databases (exclusion
    constraints, expression and trigram indexes, functions): SQLite, the embedded size,
    serialises writers and does without them.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop)

    return migrations.RunPython(forwards, backwards, elidable=False)
