"""One delivery per event and subscription becomes `UNIQUE (account, event,
subscription)`, which holds per shard once deliveries are distributed by account
(docs/scaling.md); `account_id` (filled by 0002) becomes NOT NULL on deliveries and
attempts. A subscription's deliveries are found by (account, subscription, -id)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("events", "0001_initial"),
        ("webhooks", "0002_delivery_attempt_account_filled"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="delivery",
            name="webhook_delivery_by_sub",
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["account", "subscription", "-id"], name="webhook_delivery_by_sub"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="delivery",
            name="webhook_delivery_once_per_event",
        ),
        migrations.AlterField(
            model_name="attempt",
            name="account",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.account"
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("account", "event", "subscription"), name="webhook_delivery_once_per_event"
            ),
        ),
    ]
