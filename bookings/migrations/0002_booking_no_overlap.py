"""The database backstop against overlapping stays, on PostgreSQL only.

Django's ExclusionConstraint emits PostgreSQL-only SQL and would break `migrate` on
SQLite, so the constraint is created here by an operation that does nothing elsewhere.
SQLite needs no backstop: it serialises writers (BEGIN IMMEDIATE).
The constraint leads with account_id so it can be distributed by account (DESIGN §7).
"""

from django.db import migrations

from core.migration_ops import postgresql_only

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    account_id WITH =,
    rental_id WITH =,
    tstzrange(start_at, end_at, '[)') WITH &&
) WHERE (status <> 'canceled');
"""
DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [postgresql_only(CREATE, DROP)]
