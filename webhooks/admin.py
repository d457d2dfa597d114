"""Webhooks in the back office: subscriptions (send a test event, see why one was
disabled), deliveries with every attempt, and redelivery. Writes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin_scoping import AccountScopedAdmin, AccountScopedMixin
from webhooks import services
from webhooks.api.serializers import validate_event_names, validate_webhook_url
from webhooks.models import Attempt, Delivery, Subscription
from webhooks.signals import enqueue_after_commit


@admin.register(Subscription)
class SubscriptionAdmin(AccountScopedAdmin):
    list_display = ("url", "account", "events_list", "active", "disabled_reason", "created_at")
    list_filter = ("active",)
    search_fields = ("url",)
    readonly_fields = (
        "secret",
        "application",
        "failing_since",
        "last_success_at",
        "disabled_at",
        "disabled_reason",
        "deliveries_link",
    )
    fields = ("account", "url", "events", "active", *readonly_fields)
    actions = ["send_test_event"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="events")
    def events_list(self, obj: Subscription) -> str:
        return ", ".join(obj.events) or "all"

    @admin.display(description="deliveries")
    def deliveries_link(self, obj: Subscription) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:webhooks_delivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">deliveries and attempts</a>', url)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["url"].validators.append(validate_webhook_url)
        form.base_fields["events"].validators.append(validate_event_names)
        return form

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.account_id = request.user.account_id  # type: ignore[union-attr,assignment]
        data = form.cleaned_data
        events = data.get("events") or []
        if change:
            was_active = Subscription.objects.filter(pk=obj.pk).values_list("active", flat=True)
            obj.active = bool(was_active and was_active[0])  # the service switches it
            services.subscription_update(
                subscription=obj,
                now=timezone.now(),
                url=data["url"],
                events=events,
                active=data.get("active", obj.active),
            )
        else:
            created = services.subscription_create(
                account=obj.account, url=data["url"], events=events, active=data.get("active", True)
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Subscription) -> None:
        services.subscription_delete(subscription=obj)

    @admin.action(
        description="Send a test event to the selected subscriptions", permissions=["change"]
    )
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        now = timezone.now()
        sent = 0
        for subscription in queryset.filter(active=True):
            services.test_event_send(subscription=subscription, now=now)
            enqueue_after_commit(subscription.account_id)
            sent += 1
        skipped = queryset.count() - sent
        self.message_user(
            request,
            f"Test event queued for {sent} subscription(s); see their deliveries."
            + (f" {skipped} inactive one(s) skipped." if skipped else ""),
            messages.SUCCESS if sent else messages.WARNING,
        )


class AttemptInline(AccountScopedMixin, admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(AccountScopedMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "event_name",
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event_name")
    list_select_related = ("subscription", "event")
    readonly_fields = (
        "subscription",
        "event",
        "event_name",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "give_up_at",
        "delivered_at",
        "last_status_code",
        "last_error",
    )
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        account_id = getattr(request.user, "account_id", None)
        if not account_id:
            return queryset.none()
        return queryset.filter(account_id=account_id)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object in this account.")
        return obj

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Redeliver the selected deliveries now", permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        now = timezone.now()
        count = 0
        for delivery in queryset.select_related("subscription"):
            if not delivery.subscription.active:
                continue
            services.delivery_redeliver(delivery=delivery, now=now)
            enqueue_after_commit(delivery.subscription.account_id)
            count += 1
        self.message_user(
            request,
            f"{count} deliveries queued again"
            + ("" if count == queryset.count() else " (inactive subscriptions skipped)"),
        )
