"""Admin for rentals (with their fee catalogue) and taxes.

The bookings app extends RentalAdmin with the rental's upcoming stays and calendar
(bookings/admin_rentals.py): rentals sit below bookings and never import them.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin, AccountScopedMixin
from rentals.models import Rental, RentalsFee, Tax


class RentalsFeeInline(AccountScopedMixin, admin.TabularInline):
    model = RentalsFee
    fields = ["name", "price", "required", "included_in_price"]
    extra = 0


class RentalAdmin(AccountScopedAdmin):
    list_display = ["name", "city", "country_code", "timezone", "currency"]
    list_filter = ["currency", "country_code"]
    search_fields = ["name", "headline", "city", "address1", "zip"]
    inlines = [RentalsFeeInline]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["account", "name", "headline", "summary"]}),
        (
            "Address",
            {"fields": ["address1", "address2", "zip", "city", "state", "country_code"]},
        ),
        (
            "Stays",
            {
                "fields": [
                    "timezone",
                    ("checkin_time", "checkout_time"),
                    ("sleeps", "sleeps_max"),
                    ("bedrooms_count", "bathrooms_count"),
                    "currency",
                    "balance_due_days",
                ]
            },
        ),
        ("History", {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    def save_formset(self, request, form, formset, change):
        # Catalogue fees belong to the rental's account, whoever edits them.
        for fee in formset.save(commit=False):
            fee.account_id = form.instance.account_id
            fee.save()
        for fee in formset.deleted_objects:
            fee.delete()


admin.site.register(Rental, RentalAdmin)


@admin.register(Tax)
class TaxAdmin(AccountScopedAdmin):
    list_display = ["name", "percentage", "included_in_price"]
    search_fields = ["name"]
