"""`manage.py create_api_client`: an account's OAuth2 application, printed as one JSON object."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.services import api_client_create
from core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Create a confidential OAuth2 application (and its account if missing)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account name")
        parser.add_argument("--name", required=True, help="application name")
        parser.add_argument("--scopes", default="public", help='e.g. "public bookings_read"')
        parser.add_argument("--redirect-uri", default="", help="for the authorization-code flow")

    def handle(self, *args, **options):
        existed = Account.objects.filter(name=options["account"]).exists()
        try:
            application, secret = api_client_create(
                account_name=options["account"],
                name=options["name"],
                scopes=options["scopes"].split(),
                redirect_uris=options["redirect_uri"],
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from None
        if not existed:
            # On stderr, so the JSON on stdout stays machine-readable. A mistyped name
            # would otherwise give a working token on an empty account.
            self.stderr.write(
                f"Created the account {options['account']!r} (id {application.account_id}): "
                "it has no rentals yet. Existing accounts: "
                + ", ".join(repr(n) for n in Account.objects.values_list("name", flat=True)[:10])
            )
        self.stdout.write(
            json.dumps(
                {
                    "account_id": application.account_id,
                    "application_id": application.pk,
                    "client_id": application.client_id,
                    "client_secret": secret,
                    "scopes": application.scope_list,
                }
            )
        )
