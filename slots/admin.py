"""Admin for slots, and the rental page as the slots app extends it (its slots, read-only).

Every write goes through slots/services.py: the form's clean() calls the service (inside
the admin's transaction), so a rule that fails (an overlap, a booking in the window, a
capacity) is shown as a form error on its field, exactly as the API refuses it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.admin_scoping import AccountScopedAdmin
from core.errors import DomainError
from core.metadata_admin import MetadataFormField
from events.actors import Actor
from rentals.models import Rental
from slots import selectors, services
from slots.models import Slot

SLOTS_SHOWN_ON_RENTAL = 30


class SlotForm(forms.ModelForm):
    metadata = MetadataFormField()

    class Meta:
        model = Slot
        fields = ["rental", "start_at", "end_at", "capacity", "lockable", "metadata"]

    actor: Actor

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                self.instance = services.slot_create(
                    rental=data["rental"],
                    start_at=data["start_at"],
                    end_at=data["end_at"],
                    capacity=data["capacity"],
                    lockable=data["lockable"],
                    metadata=data["metadata"],
                    actor=self.actor,
                )
            else:
                stored = Slot.objects.get(pk=self.instance.pk)
                # The editor shows every key: a key left out was removed.
                removed = {key: None for key in stored.metadata if key not in data["metadata"]}
                self.instance = services.slot_update(
                    slot=stored,
                    start_at=data["start_at"],
                    end_at=data["end_at"],
                    capacity=data["capacity"],
                    lockable=data["lockable"],
                    metadata={**removed, **data["metadata"]},
                    actor=self.actor,
                )
        except DomainError as exc:
            for field, field_messages in exc.errors.items():
                target = field if field in self.fields else None
                for message in field_messages:
                    self.add_error(target, message)
        return data


class SlotAdmin(AccountScopedAdmin):
    form = SlotForm
    list_display = [
        "__str__",
        "rental",
        "start_at",
        "end_at",
        "capacity",
        "status",
        "lockable",
        "locked_until_now",
    ]
    list_filter = ["status", "lockable"]
    list_select_related = ["rental"]
    date_hierarchy = "start_at"
    search_fields = ["rental__name"]
    readonly_fields = ["public_id", "status", "locked_until_now", "created_at", "updated_at"]
    actions = ["enable_slots", "disable_slots"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = Actor.user(request.user.pk)
        return form

    def save_model(self, request, obj, form, change) -> None:
        """Already written by the service in SlotForm.clean()."""

    def delete_model(self, request, obj) -> None:
        services.slot_delete(slot=obj, actor=Actor.user(request.user.pk))

    def delete_queryset(self, request, queryset) -> None:
        for slot in queryset:
            self.delete_model(request, slot)

    @admin.display(description="locked until")
    def locked_until_now(self, slot: Slot) -> str:
        until = slot.locked_until(timezone.now())
        return until.astimezone(slot.rental.tzinfo).strftime("%Y-%m-%d %H:%M") if until else "—"

    def _set_status(self, request, queryset, service) -> None:
        actor = Actor.user(request.user.pk)
        done = 0
        for slot in queryset:
            try:
                service(slot=slot, actor=actor)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{slot}: {exc}", messages.ERROR)
        self.message_user(request, f"{done} slot(s) changed.")

    @admin.action(description="Enable selected slots")
    def enable_slots(self, request, queryset) -> None:
        self._set_status(request, queryset, services.slot_enable)

    @admin.action(description="Disable selected slots")
    def disable_slots(self, request, queryset) -> None:
        self._set_status(request, queryset, services.slot_disable)


admin.site.register(Slot, SlotAdmin)


def _rental_slots(rental: Rental) -> str:
    """The rental's coming slots: window, capacity used / total, status, lock expiry."""
    if rental.pk is None:
        return "—"
    now = timezone.now()
    slots = list(
        selectors.slots_for_account(rental.account_id, now).filter(rental=rental, end_at__gt=now)[
            :SLOTS_SHOWN_ON_RENTAL
        ]
    )
    if not slots:
        return "no coming slots"
    tz = rental.tzinfo
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">{} – {}</a></td><td>{} / {}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                reverse("admin:slots_slot_change", args=[slot.pk]),
                slot.start_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                slot.end_at.astimezone(tz).strftime("%H:%M"),
                getattr(slot, "num_active_bookings", 0),
                slot.capacity,
                slot.status,
                (
                    "locked until " + slot.lock_until.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                    if slot.lock_until and slot.is_locked(now)
                    else ""
                ),
            )
            for slot in slots
        ),
    )
    return format_html(
        "<table><thead><tr><th>slot</th><th>booked / capacity</th><th>status</th><th>lock</th>"
        "</tr></thead><tbody>{}</tbody></table>",
        rows,
    )


def _extend_rental_admin() -> None:
    """Add a read-only "Slots" panel to whichever rental admin is registered (the
    bookings app's, with its calendar), as bookings/admin_rentals.py extends rentals'."""
    base = type(admin.site._registry[Rental])
    base_fieldsets = list(base.fieldsets or [])

    class RentalWithSlotsAdmin(base):  # type: ignore[valid-type, misc]
        readonly_fields = ["coming_slots", *base.readonly_fields]
        fieldsets = [
            *base_fieldsets[:-1],
            ("Slots", {"fields": ["coming_slots"]}),
            base_fieldsets[-1],
        ]

        @admin.display(description="coming slots")
        def coming_slots(self, rental: Rental) -> str:
            return _rental_slots(rental)

    admin.site.unregister(Rental)
    admin.site.register(Rental, RentalWithSlotsAdmin)


_extend_rental_admin()
