"""Calendar sync state per rental: the export feed's secret and the feeds imported from
other channels (Airbnb, Vrbo, Booking.com), with what each import mirrored."""

from __future__ import annotations

from django.db import models

from accounts.models import Account
from bookings.models import Booking
from rentals.models import Rental


class CalendarExport(models.Model):
    """The export feed's secret generation for one rental. The token is derived from it
    (calendars/export.py), so a rental without this row has generation 0 and a working
    feed; regenerating bumps the generation and every old URL stops working."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    rental = models.ForeignKey(Rental, on_delete=models.CASCADE, related_name="calendar_exports")
    generation = models.PositiveIntegerField(default=0, db_default=0)
    regenerated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # One per rental: a rental belongs to one account, so (account, rental) is unique
        # exactly when the rental is, and a shard's own index checks it (docs/scaling.md).
        constraints = [
            models.UniqueConstraint(
                fields=["account", "rental"], name="calendar_export_one_per_rental"
            ),
        ]

    def __str__(self) -> str:
        return f"export of rental {self.rental_id}"


class CalendarFeed(models.Model):
    """An iCal feed of another channel, mirrored as Unavailable bookings on the rental."""

    MAX_URL_LENGTH = 2000
    MAX_NAME_LENGTH = 100

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    rental = models.ForeignKey(Rental, on_delete=models.CASCADE, related_name="calendar_feeds")
    name = models.CharField(max_length=MAX_NAME_LENGTH, help_text="shown as the bookings' source")
    url = models.CharField(max_length=MAX_URL_LENGTH)
    etag = models.CharField(max_length=255, blank=True, db_default="", default="")
    last_modified = models.CharField(max_length=100, blank=True, db_default="", default="")
    last_synced_at = models.DateTimeField(null=True, blank=True, help_text="last good import")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, db_default="", default="")
    conflicts = models.JSONField(
        default=list,
        blank=True,
        help_text="events that overlap a booking already on the rental (double bookings)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "rental", "id"], name="calendar_feed_rental"),
            models.Index(fields=["last_attempt_at"], name="calendar_feed_attempt"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rental_id})"

    @property
    def has_conflicts(self) -> bool:
        return bool(self.conflicts)


class FeedEntry(models.Model):
    """One event (or one occurrence of a recurring event) of a feed and the booking that
    mirrors it. `key` is the UID, with `#<date>` for an occurrence of a recurring event."""

    # No index of its own: feed_entry_unique_key leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False, related_name="+")
    feed = models.ForeignKey(CalendarFeed, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=600)
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "feed", "key"], name="feed_entry_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.start_date} – {self.end_date}"
