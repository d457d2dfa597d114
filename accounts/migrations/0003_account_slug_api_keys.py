import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify


def fill_slugs(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    taken: set[str] = set()
    for account in Account.objects.order_by("id"):
        base = slugify(account.name)[:200] or "account"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        account.slug = slug
        account.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_application_scopes_help")]

    operations = [
        migrations.AddField(
            model_name="account",
            name="slug",
            field=models.SlugField(max_length=220, null=True, db_index=False),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="account",
            name="slug",
            field=models.SlugField(
                help_text="names the account in OfficeRnD-compatible URLs",
                max_length=220,
                unique=True,
            ),
        ),
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("public", "Public (pk_)"), ("secret", "Secret (sk_)")],
                        max_length=6,
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=100)),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                (
                    "hint",
                    models.CharField(
                        editable=False, help_text="the key's first characters", max_length=16
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_keys",
                        to="accounts.account",
                    ),
                ),
            ],
            options={"verbose_name": "API key", "ordering": ["account", "id"]},
        ),
    ]
