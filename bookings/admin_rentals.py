"""The rental admin as the bookings app extends it: upcoming stays and the month calendar."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from bookings.admin_calendar import month_calendar, parse_month
from bookings.models import Booking
from rentals.admin import RentalAdmin
from rentals.models import Rental

UPCOMING_BOOKINGS_SHOWN = 20


def calendar_url(rental_id: int, month: str = "") -> str:
    url = reverse("admin:rentals_rental_calendar", args=[rental_id])
    return f"{url}?month={month}" if month else url


class RentalWithBookingsAdmin(RentalAdmin):
    list_display = [*RentalAdmin.list_display, "calendar_link"]
    readonly_fields = ["upcoming_bookings", *RentalAdmin.readonly_fields]
    fieldsets = [
        *RentalAdmin.fieldsets[:-1],
        ("Upcoming bookings", {"fields": ["upcoming_bookings"]}),
        RentalAdmin.fieldsets[-1],
    ]

    def get_urls(self):
        calendar = path(
            "<path:object_id>/calendar/",
            self.admin_site.admin_view(self.calendar_view),
            name="rentals_rental_calendar",
        )
        return [calendar, *super().get_urls()]

    @admin.display(description="calendar")
    def calendar_link(self, rental: Rental) -> str:
        return format_html(
            '<a href="{}">calendar</a> · <a href="{}?rental={}">board</a>',
            calendar_url(rental.pk),
            reverse("admin:bookings_booking_board"),
            rental.pk,
        )

    @admin.display(description="next stays")
    def upcoming_bookings(self, rental: Rental) -> str:
        if rental.pk is None:
            return "—"
        now = timezone.now()
        bookings = list(
            Booking.objects.filter(rental=rental, end_at__gt=now)
            .blocking(now)
            .select_related("client")
            .order_by("start_at", "id")[:UPCOMING_BOOKINGS_SHOWN]
        )
        tz = rental.tzinfo
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:bookings_booking_change", args=[b.pk]),
                    b.reference,
                    f"{b.start_at.astimezone(tz):%a %d %b %Y %H:%M}",
                    f"{b.end_at.astimezone(tz):%a %d %b %Y %H:%M}",
                    b.get_status_display(),
                    b.client or "",
                )
                for b in bookings
            ),
        )
        return format_html(
            '<table class="upcoming-bookings"><thead><tr><th>reference</th><th>check-in</th>'
            "<th>check-out</th><th>status</th><th>client</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}">Open the calendar</a></p>',
            rows or mark_safe('<tr><td colspan="5">No upcoming stays.</td></tr>'),
            calendar_url(rental.pk),
        )

    def calendar_view(self, request, object_id):
        rental = self.get_object(request, object_id)
        if not self.has_view_permission(request, rental):
            raise PermissionDenied
        now = timezone.now()
        month = parse_month(request.GET.get("month"), now.astimezone(rental.tzinfo).date())
        grid = month_calendar(
            rental, month, now=now, include_canceled=request.GET.get("canceled") == "1"
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{rental.name} — {month:%B %Y}",
            "opts": self.opts,
            "original": rental,
            "calendar": grid,
            "has_view_permission": True,
            "month_param": f"{month:%Y-%m}",
            "previous_param": f"{grid.previous_month:%Y-%m}",
            "next_param": f"{grid.next_month:%Y-%m}",
            "bookings_list_url": reverse("admin:bookings_booking_changelist")
            + f"?rental__id__exact={rental.pk}",
        }
        return TemplateResponse(request, "admin/rentals/rental/calendar.html", context)


admin.site.unregister(Rental)
admin.site.register(Rental, RentalWithBookingsAdmin)
