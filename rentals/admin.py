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
from events.actors import Actor
from rentals.inputs import (
    INTEGER_FIELDS,
    RESOURCE_FIELDS,
    TEXT_FIELDS,
    TIME_FIELDS,
    RentalInput,
    currency_code,
)
from rentals.models import Rental, RentalsFee, Tax
from rentals.services import rental_create, rental_update

RENTAL_FIELDS = frozenset({*TEXT_FIELDS, *INTEGER_FIELDS, *TIME_FIELDS, *RESOURCE_FIELDS})
BUFFER_FIELDS = ("buffer_before", "buffer_after")


class RentalAdminForm(forms.ModelForm):
    class Meta:
        model = Rental
        fields = ["account", *TEXT_FIELDS, *INTEGER_FIELDS, *TIME_FIELDS, *RESOURCE_FIELDS]

    # The resource fields may be left out (forms and scripts that predate them): they keep
    # their values, or the defaults on a new rental.
    OPTIONAL = {"status": Rental.Status.PUBLISHED, "booking_disabled_before": 0}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (*self.OPTIONAL, *BUFFER_FIELDS):
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

    # Preparation time left blank (or posted by a form that predates it) is none.
    def clean_buffer_before(self) -> int:
        return self.cleaned_data.get("buffer_before") or 0

    def clean_buffer_after(self) -> int:
        return self.cleaned_data.get("buffer_after") or 0

    def clean_currency(self) -> str:
        try:
            return currency_code(self.cleaned_data.get("currency") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class RentalsFeeInline(AccountScopedMixin, admin.TabularInline):
    model = RentalsFee
    fields = ["name", "price", "required", "included_in_price"]
    extra = 0


class RentalAdmin(AccountScopedAdmin):
    form = RentalAdminForm
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
                    ("buffer_before", "buffer_after"),
                ]
            },
        ),
        (
            "Resource (Overbooked API)",
            {"fields": ["public_id", *RESOURCE_FIELDS]},
        ),
        ("History", {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        """Through rentals/services.py (the form has checked every rule it applies), in
        one write with one event; an edit writes only the fields changed on the page."""
        if not request.user.is_superuser:
            obj.account_id = request.user.account_id
        names = RENTAL_FIELDS & (set(form.changed_data) if change else set(form.cleaned_data))
        values = {name: form.cleaned_data[name] for name in names}
        if change and "metadata" in values:
            # The editor sends the whole object, the service merges changes: a key shown
            # on the page and left out was removed (one added meanwhile elsewhere stays).
            shown = form.initial.get("metadata") or {}
            removed = {key: None for key in shown if key not in values["metadata"]}
            values["metadata"] = {**removed, **values["metadata"]}
        rental_input = RentalInput.of(**values)
        actor = Actor.user(request.user.pk)
        if change:
            saved = rental_update(rental=obj, rental_input=rental_input, actor=actor)
        else:
            saved = rental_create(account_id=obj.account_id, rental_input=rental_input, actor=actor)
        vars(obj).update(vars(saved))  # the admin goes on with `obj` (inlines, redirect)

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
