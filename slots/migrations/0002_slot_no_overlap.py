"""The database backstop against overlapping active slots of one rental, on PostgreSQL only
(as bookings' 0002: Django's ExclusionConstraint SQL would break `migrate` on SQLite,
which serialises writers instead). Leads with account_id for distribution (DESIGN §7)."""

from django.db import migrations

from core.migration_ops import postgresql_only

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE slots_slot ADD CONSTRAINT slot_no_overlap EXCLUDE USING gist (
    account_id WITH =,
    rental_id WITH =,
    tstzrange(start_at, end_at, '[)') WITH &&
) WHERE (status = 'active');
"""
DROP = "ALTER TABLE slots_slot DROP CONSTRAINT IF EXISTS slot_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("slots", "0001_initial")]
    operations = [postgresql_only(CREATE, DROP)]
