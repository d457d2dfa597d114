"""The exclusion constraint `booking_no_overlap` now covers the occupied period
`[start_at - buffer_before, end_at + buffer_after)` (DESIGN §9), on PostgreSQL only.

`timestamptz ± interval` is only STABLE in PostgreSQL (an interval of days or months
depends on the session's time zone), so it cannot appear in an index expression.
An interval of whole minutes does not depend on the time zone, so the range is built by
`booking_occupied_period`, declared IMMUTABLE truthfully. The constraint keeps its name
(the services map it to BookingOverlap) and its leading account_id (DESIGN §7).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION booking_occupied_period(
    start_at timestamptz, end_at timestamptz, buffer_before integer, buffer_after integer
) RETURNS tstzrange LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT tstzrange(
        start_at - make_interval(mins => buffer_before),
        end_at + make_interval(mins => buffer_after),
        '[)'
    )
$$;
"""
DROP_CONSTRAINT = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"
OCCUPIED = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    account_id WITH =,
    rental_id WITH =,
    booking_occupied_period(start_at, end_at, buffer_before, buffer_after) WITH &&
) WHERE (status <> 'canceled');
"""
STAY_ONLY = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    account_id WITH =,
    rental_id WITH =,
    tstzrange(start_at, end_at, '[)') WITH &&
) WHERE (status <> 'canceled');
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(DROP_CONSTRAINT)
        schema_editor.execute(OCCUPIED)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_CONSTRAINT)
        schema_editor.execute(STAY_ONLY)
        schema_editor.execute("DROP FUNCTION IF EXISTS booking_occupied_period;")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0007_booking_buffers")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
