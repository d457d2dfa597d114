"""`python manage.py sync_calendar_feeds [--rental ID]`: one import pass, as beat runs it."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from calendars.importer import feeds_sync


class Command(BaseCommand):
    help = "Import every calendar feed once (or the feeds of one rental) and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("--rental", type=int, default=None, help="only this rental's feeds")

    def handle(self, *args, rental: int | None = None, **options):
        for result in feeds_sync(now=timezone.now(), rental_id=rental):
            self.stdout.write(
                json.dumps(
                    {
                        "feed_id": result.feed_id,
                        "status": result.status,
                        "created": result.created,
                        "moved": result.moved,
                        "canceled": result.canceled,
                        "conflicts": len(result.conflicts),
                        "error": result.error or None,
                    }
                )
            )
