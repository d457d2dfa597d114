"""Bookings of a slot are exempt from `booking_no_overlap` (DESIGN §10): up to the slot's
capacity of them share its window, which is exclusive on the rental through the slots'
own rules (no active slot over a blocking booking, no direct booking inside an active
slot, both under the rental lock). PostgreSQL only, as migration 0002."""

from django.db import migrations

DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"
TEMPLATE = """
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    account_id WITH =,
    rental_id WITH =,
    booking_occupied_period(start_at, end_at, buffer_before, buffer_after) WITH &&
) WHERE ({where});
"""
DIRECT_ONLY = TEMPLATE.format(where="status <> 'canceled' AND slot_id IS NULL")
ALL = TEMPLATE.format(where="status <> 'canceled'")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(DIRECT_ONLY)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(ALL)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0009_booking_slot_public_id_metadata")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
