"""`sync_watermark()`, the synced-at watermark of a list (core/clock.py), as a PostgreSQL
function.

The query reads `pg_stat_activity`, a view whose planning cost more than its execution
(0.6 ms a call, most of it planning, on every list and search request). A PL/pgSQL
function plans its statement once per connection and reuses the plan: 0.18 ms a call.
Same statement, same result; SQLite computes the watermark in Python.
"""

from django.db import migrations

from core.migration_ops import postgresql_only

CREATE = """
CREATE OR REPLACE FUNCTION sync_watermark() RETURNS timestamptz
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- The earlier of now and the start of the oldest other transaction of this database
    -- that holds a transaction id (core/clock.py says why that is the watermark).
    RETURN LEAST(
        clock_timestamp(),
        (SELECT min(xact_start) FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
           AND datname = current_database())
    );
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS sync_watermark();"


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [postgresql_only(CREATE, DROP)]
