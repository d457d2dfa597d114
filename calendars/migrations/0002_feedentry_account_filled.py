"""Feed entries gain `account_id` (docs/scaling.md: distributed by account), filled from
their feed. Nullable here; 0003 makes it NOT NULL in its own transaction (PostgreSQL
refuses to alter a table with the fill's deferred foreign-key checks still pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_account(apps, schema_editor):
    CalendarFeed = apps.get_model("calendars", "CalendarFeed")
    FeedEntry = apps.get_model("calendars", "FeedEntry")
    feed_account = CalendarFeed.objects.filter(pk=OuterRef("feed_id")).values("account_id")
    FeedEntry.objects.filter(account__isnull=True).update(account_id=Subquery(feed_account[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("calendars", "0001_calendar_export_and_feeds"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedentry",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.RunPython(fill_account, migrations.RunPython.noop, elidable=False),
    ]
