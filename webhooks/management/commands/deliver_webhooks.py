"""`manage.py deliver_webhooks`: one delivery pass, for operators and tests."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from webhooks.delivery import deliver_pass


class Command(BaseCommand):
    help = (
        "Turn new events into webhook deliveries and attempt every due one "
        "(what the Celery worker does on each commit and on beat's sweep); print the counts."
    )

    def handle(self, *args, **options):
        result = deliver_pass(time_budget=float("inf"))
        self.stdout.write(str(result))
