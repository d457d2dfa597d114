"""Payments in the admin: the booking page lists its payments with a link to record one;
the payment list records (through payments/services.py) and cancels them."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.admin_scoping import AccountScopedAdmin, scope_to_user
from bookings.models import Booking
from core.currencies import SUPPORTED_CURRENCIES
from core.errors import ValidationFailed
from events.actors import Actor
from payments import services
from payments.models import BookingsPayment, Payment


class PaymentRecordForm(forms.ModelForm):
    """Record a payment of one booking; the whole amount goes to it."""

    booking = forms.ModelChoiceField(queryset=Booking.objects.none())
    amount = forms.DecimalField(
        max_digits=11, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("999999999")
    )
    currency = forms.ChoiceField(choices=[(c, c) for c in sorted(SUPPORTED_CURRENCIES)])
    paid_at = forms.SplitDateTimeField(widget=AdminSplitDateTime, help_text="not in the future")

    class Meta:
        model = Payment
        fields = ["kind", "paid_at", "fullname", "notes"]

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            field = self.fields["booking"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = scope_to_user(Booking.objects.all(), request)


class PaymentAdmin(AccountScopedAdmin):
    list_display = ["id", "amount", "kind", "paid_at", "bookings", "canceled_at"]
    list_filter = ["kind"]
    search_fields = ["fullname", "transaction_id", "shares__booking__external_reference"]
    actions = ["cancel_payments"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:

            class Form(PaymentRecordForm):
                def __init__(self, *args, **inner):
                    super().__init__(*args, request=request, **inner)

            return Form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["booking", "amount", "currency", "kind", "paid_at", "fullname", "notes"]
        return ["amount", "kind", "paid_at", "canceled_at", "bookings", "fullname", "notes"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["amount", "kind", "paid_at", "canceled_at", "bookings", "fullname", "notes"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        booking = scope_to_user(Booking.objects.all(), request).filter(
            pk=request.GET.get("booking") or 0
        )
        found = (
            booking.select_related("rental").first()
            if request.GET.get("booking", "").isdigit()
            else None
        )
        if found is not None:
            initial.update(
                booking=found.pk,
                currency=found.currency or found.rental.currency,
                amount=found.payment_left_to_collect,
            )
        initial.setdefault("paid_at", timezone.now())
        return initial

    @admin.display(description="amount")
    def amount(self, payment: Payment) -> str:
        return f"{Decimal(payment.amount_in_cents) / 100:.2f} {payment.currency}"

    @admin.display(description="bookings")
    def bookings(self, payment: Payment) -> str:
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:bookings_booking_change", args=[s.booking_id]), s.booking.reference)
                for s in payment.shares.select_related("booking")
            ),
        )

    def save_model(self, request, obj, form, change):
        if change:
            return
        booking = form.cleaned_data["booking"]
        data = services.PaymentInput(
            amount_in_cents=int(form.cleaned_data["amount"] * 100),
            currency=form.cleaned_data["currency"],
            kind=form.cleaned_data["kind"],
            paid_at=form.cleaned_data["paid_at"],
            fullname=form.cleaned_data.get("fullname") or "",
            notes=form.cleaned_data.get("notes") or "",
            shares=[services.Share(booking.pk, int(form.cleaned_data["amount"] * 100))],
        )
        try:
            payment = services.payment_create(
                account_id=booking.account_id, data=data, actor=Actor.user(int(request.user.pk))
            )
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc)) from None
        for name in ("id", "account_id", "amount_in_cents", "currency", "kind", "paid_at"):
            setattr(obj, name, getattr(payment, name))  # for the admin's log and message

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except forms.ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Cancel the selected payments")
    def cancel_payments(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            services.payment_cancel(payment=payment, actor=Actor.user(int(request.user.pk or 0)))
        self.message_user(request, f"Canceled {queryset.count()} payment(s).", messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        return False  # payments are canceled, never deleted


admin.site.register(Payment, PaymentAdmin)


BookingAdminBase: type[admin.ModelAdmin] = type(admin.site._registry[Booking])


class BookingWithPaymentsAdmin(BookingAdminBase):  # type: ignore[valid-type,misc]
    """The booking admin as registered so far, plus its payments."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append(("Payments", {"fields": ["payments_panel"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "payments_panel"]

    @admin.display(description="payments")
    def payments_panel(self, booking: Booking) -> str:
        shares = (
            BookingsPayment.objects.filter(booking=booking).select_related("payment").order_by("id")
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:payments_payment_change", args=[s.payment_id]),
                    s.payment_id,
                    f"{Decimal(s.amount_in_cents) / 100:.2f}",
                    s.payment.currency,
                    s.payment.get_kind_display(),
                    f"{s.payment.paid_at:%Y-%m-%d %H:%M}",
                    "canceled" if s.payment.canceled_at else "",
                )
                for s in shares
            ),
        )
        return format_html(
            "<table><thead><tr><th>payment</th><th>amount</th><th>kind</th><th>paid at</th>"
            '<th></th></tr></thead><tbody>{}</tbody></table><p><a href="{}?booking={}">'
            "Record a payment</a></p>",
            rows,
            reverse("admin:payments_payment_add"),
            booking.pk,
        )


admin.site.unregister(Booking)
admin.site.register(Booking, BookingWithPaymentsAdmin)
