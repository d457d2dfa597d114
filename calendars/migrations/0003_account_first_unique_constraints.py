"""Unique constraints lead with `account_id`, so each holds per shard once the tables are
distributed by account (docs/scaling.md): one export per rental is `(account, rental)`
(a rental has one account, so the rule is unchanged; the old `(account, rental)` index is
this constraint's index now), one entry per feed and key is `(account, feed, key)`.
Feed entries' `account_id` (filled by 0002) becomes NOT NULL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("bookings", "0011_booking_series_officernd_fields"),
        ("calendars", "0002_feedentry_account_filled"),
        ("rentals", "0004_rental_buffers"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="feedentry",
            name="feed_entry_unique_key",
        ),
        migrations.RemoveIndex(
            model_name="calendarexport",
            name="calendar_export_rental",
        ),
        migrations.AlterField(
            model_name="calendarexport",
            name="rental",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="calendar_exports",
                to="rentals.rental",
            ),
        ),
        migrations.AlterField(
            model_name="feedentry",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.AddConstraint(
            model_name="calendarexport",
            constraint=models.UniqueConstraint(
                fields=("account", "rental"), name="calendar_export_one_per_rental"
            ),
        ),
        migrations.AddConstraint(
            model_name="feedentry",
            constraint=models.UniqueConstraint(
                fields=("account", "feed", "key"), name="feed_entry_unique_key"
            ),
        ),
    ]
