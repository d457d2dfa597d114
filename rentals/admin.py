"""Admin for rentals (with their fee catalogue) and taxes.

The bookings app extends RentalAdmin with the rental's upcoming stays and calendar
(bookings/admin_rentals.py): rentals sit below bookings and never import them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models

from accounts.admin_scoping import AccountScopedAdmin, AccountScopedMixin
from core.metadata_admin import MetadataFormField
from rentals.models import Rental, RentalsFee, Tax


class RentalForm(forms.ModelForm):
    """The Overbooked resource fields may be left out (forms and scripts that predate
    them): they keep their values, or the defaults on a new rental."""

    OPTIONAL = {"status": Rental.Status.PUBLISHED, "booking_disabled_before": 0}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL:
            if name in self.fields:
                self.fields[name].required = False

    def _kept(self, name: str):
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return getattr(self.instance, name, None) or self.OPTIONAL[name]
        return value

    def clean_status(self):
        return self._kept("status")

    def clean_booking_disabled_before(self):
        return self._kept("booking_disabled_before")


class RentalsFeeInline(AccountScopedMixin, admin.TabularInline):
    model = RentalsFee
    fields = ["name", "price", "required", "included_in_price"]
    extra = 0


class RentalAdmin(AccountScopedAdmin):
    form = RentalForm
    list_display = ["name", "city", "country_code", "timezone", "currency"]
    list_filter = ["currency", "country_code"]
    search_fields = ["name", "headline", "city", "address1", "zip"]
    inlines = [RentalsFeeInline]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    formfield_overrides = {models.JSONField: {"form_class": MetadataFormField}}
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
        (
            "Resource (Overbooked API)",
            {
                "fields": [
                    "public_id",
                    "status",
                    "booking_disabled_before",
                    "public_scheduling_enabled",
                    "metadata",
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
