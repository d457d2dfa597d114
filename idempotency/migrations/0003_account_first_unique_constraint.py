"""One row per caller and key becomes `UNIQUE (account, owner, key)`, which holds per shard
once keys are distributed by account (docs/scaling.md; an owner is of one account, so the
rule is unchanged); `account_id` (filled by 0002) becomes NOT NULL."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("idempotency", "0002_idempotencykey_account_filled"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="idempotencykey",
            name="idempotency_key_per_owner",
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(
                fields=("account", "owner", "key"), name="idempotency_key_per_owner"
            ),
        ),
    ]
