"""Calendar sync in the admin: the rental page shows its iCal export URL (with an action
that regenerates it), its imported feeds and their double-booking alerts; the feeds have
a list of their own that puts conflicts and errors first."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.admin_scoping import AccountScopedAdmin
from calendars import importer, services
from calendars.export import export_path, generation_of
from calendars.models import CalendarFeed
from core.errors import ValidationFailed
from rentals.models import Rental


def conflicts_table(conflicts: list[dict]) -> str:
    if not conflicts:
        return "—"
    rows = format_html_join(
        "",
        '<tr><td>{}</td><td>{} – {}</td><td><a href="{}">{}</a></td></tr>',
        (
            (
                conflict["uid"],
                conflict["start_date"],
                conflict["end_date"],
                reverse("admin:bookings_booking_change", args=[conflict["booking_id"]]),
                conflict["reference"],
            )
            for conflict in conflicts
        ),
    )
    return format_html(
        '<p class="errornote">Double booking: these events of the imported calendar overlap '
        "a booking already on the rental and were not imported.</p>"
        "<table><thead><tr><th>event UID</th><th>dates</th><th>booking in the way</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        rows,
    )


RentalAdminBase: type[admin.ModelAdmin] = type(admin.site._registry[Rental])
_BASE_FIELDSETS = list(RentalAdminBase.fieldsets or [])


class RentalWithCalendarsAdmin(RentalAdminBase):  # type: ignore[valid-type,misc]
    """The rental admin as registered so far, plus calendar sync."""

    readonly_fields = [
        *RentalAdminBase.readonly_fields,
        "ical_export",
        "imported_calendars",
        "double_booking_alerts",
    ]
    fieldsets = [
        *_BASE_FIELDSETS[:-1],
        (
            "Calendar sync",
            {"fields": ["ical_export", "imported_calendars", "double_booking_alerts"]},
        ),
        *_BASE_FIELDSETS[-1:],
    ]
    actions = [*(RentalAdminBase.actions or []), "regenerate_ical_export"]

    @admin.display(description="iCal export")
    def ical_export(self, rental: Rental) -> str:
        if rental.pk is None:
            return "—"
        path = export_path(rental.pk, generation_of(rental))
        return format_html(
            '<a href="{}">{}</a><p class="help">Give this secret address to Airbnb, Vrbo or '
            'Booking.com. "Regenerate the iCal export URL" (rental list) makes a new one and '
            "stops the old one.</p>",
            path,
            path,
        )

    @admin.display(description="imported calendars")
    def imported_calendars(self, rental: Rental) -> str:
        # A panel with links rather than an inline: the rental form stays the same for
        # every caller, and feeds are written through calendars/services.py.
        if rental.pk is None:
            return "—"
        feeds = CalendarFeed.objects.filter(rental=rental).order_by("id")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:calendars_calendarfeed_change", args=[feed.pk]),
                    feed.name,
                    f"{feed.last_synced_at:%Y-%m-%d %H:%M}" if feed.last_synced_at else "never",
                    f"failing: {feed.last_error[:120]}" if feed.last_error else "ok",
                )
                for feed in feeds
            ),
        )
        return format_html(
            "<table><thead><tr><th>feed</th><th>last import</th><th>status</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}?rental={}">Add a calendar feed</a></p>',
            rows,
            reverse("admin:calendars_calendarfeed_add"),
            rental.pk,
        )

    @admin.display(description="double-booking alerts")
    def double_booking_alerts(self, rental: Rental) -> str:
        if rental.pk is None:
            return "—"
        conflicts = [
            conflict
            for feed in CalendarFeed.objects.filter(rental=rental).order_by("id")
            for conflict in (feed.conflicts or [])
        ]
        return conflicts_table(conflicts)

    @admin.action(description="Regenerate the iCal export URL")
    def regenerate_ical_export(self, request: HttpRequest, queryset: QuerySet[Rental]) -> None:
        for rental in queryset:
            services.export_token_regenerate(rental=rental)
        self.message_user(
            request, f"New iCal export URLs for {queryset.count()} rental(s).", messages.SUCCESS
        )


admin.site.unregister(Rental)
admin.site.register(Rental, RentalWithCalendarsAdmin)


class HasConflicts(admin.SimpleListFilter):
    title = "double bookings"
    parameter_name = "conflicts"

    def lookups(self, request, model_admin):
        return [("yes", "with double-booking alerts"), ("error", "failing")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(conflicts=[])
        if self.value() == "error":
            return queryset.exclude(last_error="")
        return queryset


class CalendarFeedForm(forms.ModelForm):
    class Meta:
        model = CalendarFeed
        fields = ["rental", "name", "url"]

    def clean_url(self) -> str:
        try:
            return services.clean_feed_url(self.cleaned_data["url"])
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.errors["url"]) from None


@admin.register(CalendarFeed)
class CalendarFeedAdmin(AccountScopedAdmin):
    form = CalendarFeedForm
    list_display = ["name", "rental", "last_synced_at", "status", "alert_count"]
    list_filter = [HasConflicts]
    search_fields = ["name", "url", "rental__name"]
    fields = ["rental", "name", "url", "last_synced_at", "last_error", "alerts"]
    readonly_fields = ["last_synced_at", "last_error", "alerts"]
    actions = ["sync_now"]

    @admin.display(description="status")
    def status(self, feed: CalendarFeed) -> str:
        return f"failing: {feed.last_error[:80]}" if feed.last_error else "ok"

    @admin.display(description="double-booking alerts")
    def alert_count(self, feed: CalendarFeed) -> int:
        return len(feed.conflicts or [])

    @admin.display(description="double-booking alerts")
    def alerts(self, feed: CalendarFeed) -> str:
        return conflicts_table(feed.conflicts or [])

    @admin.action(description="Import now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        results = [importer.feed_sync(feed=feed, now=timezone.now()) for feed in queryset]
        failed = sum(1 for result in results if result.error)
        self.message_user(
            request,
            f"Imported {len(results) - failed} feed(s); {failed} failed.",
            messages.WARNING if failed else messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.account_id = request.user.account_id
        if change:
            services.calendar_feed_update(feed=obj, name=obj.name, url=obj.url)
        else:
            feed = services.calendar_feed_create(rental=obj.rental, name=obj.name, url=obj.url)
            obj.pk = feed.pk

    def delete_model(self, request, obj):
        services.calendar_feed_delete(feed=obj)

    def delete_queryset(self, request, queryset):
        for feed in queryset:
            services.calendar_feed_delete(feed=feed)
