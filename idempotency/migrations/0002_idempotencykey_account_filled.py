"""Idempotency keys gain `account_id` (docs/scaling.md: distributed by account), filled
from their owner: `app:<id>` is an OAuth application, `key:<id>` an API key, each of one
account. A key whose owner no longer exists is deleted: nobody can send it again, and
it would have expired within 24 hours. Nullable here; 0003 makes it NOT NULL in its own
transaction (PostgreSQL refuses to alter a table with the fill's deferred foreign-key
checks still pending)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_account(apps, schema_editor):
    IdempotencyKey = apps.get_model("idempotency", "IdempotencyKey")
    Application = apps.get_model(*settings.OAUTH2_PROVIDER_APPLICATION_MODEL.split("."))
    ApiKey = apps.get_model("accounts", "ApiKey")
    owners = {"app": Application, "key": ApiKey}
    for owner in (
        IdempotencyKey.objects.filter(account__isnull=True)
        .values_list("owner", flat=True)
        .distinct()
        .order_by()
    ):
        kind, _, number = owner.partition(":")
        model = owners.get(kind)
        account_id = None
        if model is not None and number.isdigit():
            account_id = (
                model.objects.filter(pk=int(number)).values_list("account_id", flat=True).first()
            )
        if account_id is not None:
            IdempotencyKey.objects.filter(owner=owner, account__isnull=True).update(
                account_id=account_id
            )
    IdempotencyKey.objects.filter(account__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("idempotency", "0001_idempotency_keys"),
        migrations.swappable_dependency(settings.OAUTH2_PROVIDER_APPLICATION_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
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
