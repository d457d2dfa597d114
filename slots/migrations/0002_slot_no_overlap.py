"""The database backstop against overlapping active slots of one rental, on PostgreSQL only
(as bookings' 0002: Django's ExclusionConstraint SQL would break `migrate` on SQLite,
which serialises writers instead). Leads with account_id for distribution (DESIGN §7)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE slots_slot ADD CONSTRAINT slot_no_overlap EXCLUDE USING gist (
    account_id WITH =,
    rental_id WITH =,
    tstzrange(start_at, end_at, '[)') WITH &&
) WHERE (status = 'active');
"""
DROP = "ALTER TABLE slots_slot DROP CONSTRAINT IF EXISTS slot_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("slots", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
