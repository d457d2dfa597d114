"""`manage.py create_api_key`: an Overbooked-style public or secret key, printed once."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, ApiKey
from accounts.services import api_key_create


class Command(BaseCommand):
    help = "Create a pk_ (public) or sk_ (secret) API key of an account; the key is shown once."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account name")
        parser.add_argument("--kind", required=True, choices=[k.value for k in ApiKey.Kind])
        parser.add_argument("--name", default="", help="a label for the admin")

    def handle(self, *args, **options):
        account = Account.objects.filter(name=options["account"]).first()
        if account is None:
            raise CommandError(f"no account named {options['account']!r}")
        api_key, key = api_key_create(account=account, kind=options["kind"], name=options["name"])
        self.stdout.write(
            json.dumps(
                {
                    "account_id": account.pk,
                    "api_key_id": api_key.pk,
                    "kind": api_key.kind,
                    "key": key,
                }
            )
        )
