"""`manage.py expire_tentative_bookings [--dry-run]`: the beat sweep, run once by hand or cron."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bookings.services import tentative_bookings_expire
from core.dbclock import database_now


class Command(BaseCommand):
    help = (
        "Cancel every tentative booking whose tentative_expires_at has passed "
        "(the same sweep Celery beat runs) and print how many."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count the expired holds without canceling them",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        count = tentative_bookings_expire(now=database_now(), dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{count} expired tentative holds would be canceled (dry run)")
        else:
            self.stdout.write(f"{count} expired tentative holds canceled")
