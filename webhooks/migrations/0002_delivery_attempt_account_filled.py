"""Deliveries and attempts gain `account_id` (docs/scaling.md: distributed by account):
a delivery's is its subscription's, an attempt's its delivery's. Nullable here; 0003
makes them NOT NULL in its own transaction (PostgreSQL refuses to alter a table with the
fill's deferred foreign-key checks still pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_account(apps, schema_editor):
    Subscription = apps.get_model("webhooks", "Subscription")
    Delivery = apps.get_model("webhooks", "Delivery")
    Attempt = apps.get_model("webhooks", "Attempt")
    of_subscription = Subscription.objects.filter(pk=OuterRef("subscription_id"))
    Delivery.objects.filter(account__isnull=True).update(
        account_id=Subquery(of_subscription.values("account_id")[:1])
    )
    of_delivery = Delivery.objects.filter(pk=OuterRef("delivery_id"))
    Attempt.objects.filter(account__isnull=True).update(
        account_id=Subquery(of_delivery.values("account_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("webhooks", "0001_subscriptions_deliveries_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="account",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
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
