"""One share per payment and booking becomes `UNIQUE (account, payment, booking)`, which
holds per shard once shares are distributed by account (docs/scaling.md; a payment and
its bookings are of one account, so the rule is unchanged)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_slug_api_keys"),
        ("bookings", "0011_booking_series_officernd_fields"),
        ("payments", "0001_payments_and_shares"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="bookingspayment",
            name="bookings_payment_one_share_per_booking",
        ),
        migrations.AddConstraint(
            model_name="bookingspayment",
            constraint=models.UniqueConstraint(
                fields=("account", "payment", "booking"),
                name="bookings_payment_one_share_per_booking",
            ),
        ),
    ]
