"""A trigram index for the admin's guest search, on PostgreSQL only.

The bookings search in the admin looks guests up by `fullname__icontains` or
`emails__icontains`, which Django sends as `UPPER(col::text) LIKE UPPER('%term%')`; a
B-tree cannot serve a leading wildcard, so at 250,000 guests every search scanned them
all (~230 ms, bench/plans). A GIN index with pg_trgm on exactly those expressions makes
it a couple of index probes. SQLite has no such index type; its searches stay scans.
"""

from django.db import migrations

from core.migration_ops import postgresql_only

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS client_search_trgm ON bookings_client USING gin (
    (upper(fullname::text)) gin_trgm_ops,
    (upper(emails::text)) gin_trgm_ops
);
"""
DROP = "DROP INDEX IF EXISTS client_search_trgm;"


class Migration(migrations.Migration):
    dependencies = [("bookings", "0004_booking_account_start_end_covering_index")]
    operations = [postgresql_only(CREATE, DROP)]
