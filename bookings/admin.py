"""Admin for bookings and clients: every booking write goes through bookings/services.py.

See bookings/admin_forms.py for how a form save becomes a service call, and
bookings/admin_changelist.py for what keeps the list fast at a million bookings.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.validators import EmailValidator
from django.db import router, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.admin_scoping import AccountScopedAdmin, AccountScopedMixin, scope_to_user
from bookings import (
    admin_rentals,  # noqa: F401  (registers the rental admin with its calendar)
    inputs,
)
from bookings.admin_board import board_view
from bookings.admin_changelist import (
    AccountRelatedFieldListFilter,
    BookingChangeList,
    DeskFilter,
    EffectiveStatusFilter,
    EstimatedCountPaginator,
    WhenFilter,
)
from bookings.admin_forms import (
    BookingAdminForm,
    BookingCommentForm,
    BookingCommentFormSet,
    BookingFeeForm,
    BookingFeeFormSet,
    CancelBookingsForm,
)
from bookings.admin_widgets import ListField, ListInput
from bookings.inputs import BookingInput
from bookings.models import (
    Booking,
    BookingComment,
    BookingFee,
    BookingSeries,
    BookingTax,
    Client,
    id_for_reference,
)
from bookings.services import (
    booking_series_cancel,
    booking_update,
    client_create,
    client_update,
)
from core.errors import DomainError
from events.actors import Actor
from events.selectors import record_history

CLIENT_FIELDS = frozenset({*inputs.CLIENT_TEXT_FIELDS, *inputs.CLIENT_LIST_FIELDS})
REFERENCE_LIKE = re.compile(r"[0-9A-Za-z]{1,12}")
SEARCH_CLIENT_IDS = 1000  # beyond this many matching guests, let the database join
CLIENT_BOOKINGS_SHOWN = 50


HISTORY_SHOWN = 100  # newest first
HISTORY_FIELDSET = ("History", {"classes": ["collapse"], "fields": ["history"]})


def _actor_label(actor: dict, usernames: dict) -> str:
    """`user ada`, `application-17`, `system (tentative_expiry)`."""
    who = Actor.from_json(actor)
    if who is None:
        return "—"
    if who.type == Actor.USER:
        return f"user {usernames.get(who.id, who.id)}"
    if who.type == Actor.SYSTEM:
        return f"system ({who.name})"
    return who.label


def is_live(booking: Booking | None) -> bool:
    """A booking that may still change: not canceled, and not a hold past its expiry."""
    return booking is not None and booking.status_at() != Booking.Status.CANCELED


def local_time(value, booking: Booking, *, short: bool = False) -> str:
    """`Sun 6 Dec 2026 16:00` in the rental's time zone: one format across the back
    office, with the weekday a manager plans by. `short` leaves out this year's year
    (lists, where every character counts)."""
    local = value.astimezone(booking.rental.tzinfo)
    year = "" if short and local.year == timezone.now().year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def zoned_time(value, booking: Booking) -> str:
    """`local_time` with the zone named, for pages that show single instants."""
    if value is None:
        return "—"
    return f"{local_time(value, booking)} ({booking.rental.timezone})"


CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥"}


def money(amount, currency: str) -> str:
    """`1,320.00 €`: grouped, two decimals, the sign where it is unambiguous."""
    if amount is None:
        return "—"
    return f"{amount:,.2f} {CURRENCY_SIGNS.get(currency, currency)}".strip()


class BookingChildInline(AccountScopedMixin, admin.TabularInline):
    """Rows of a booking: shown read-only; added or removed only through services."""

    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return is_live(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class BookingFeeInline(BookingChildInline):
    model = BookingFee
    form = BookingFeeForm
    formset = BookingFeeFormSet
    fields = ["rentals_fee", "name", "price", "times_booked", "included_in_price", "total"]
    readonly_fields = ["total"]
    verbose_name_plural = "fees (blank name or price: taken from the rental's catalogue fee)"

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_live(obj) and AccountScopedMixin.has_delete_permission(self, request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = Actor.user(request.user.pk)
        return formset

    @admin.display(description="total")
    def total(self, fee: BookingFee) -> str:
        return f"{fee.total}" if fee.pk else "—"


class BookingTaxInline(BookingChildInline):
    model = BookingTax
    fields = ["name", "percentage", "amount", "included_in_price", "taxable_type"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # taxes are set when the booking is created through the API


class BookingCommentInline(BookingChildInline):
    model = BookingComment
    form = BookingCommentForm
    formset = BookingCommentFormSet
    fields = ["content", "author", "created_at"]
    readonly_fields = ["author", "created_at"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.author = request.user.get_username()
        formset.actor = Actor.user(request.user.pk)
        return formset


@admin.register(Booking)
class BookingAdmin(AccountScopedAdmin):
    form = BookingAdminForm
    list_display = [
        "reference",
        "rental_link",
        "client",
        "check_in",
        "check_out",
        "nights",
        "status_display",
        "final_price_display",
        "left_to_collect",
    ]
    list_display_links = ["reference"]
    list_select_related = ["rental", "client"]
    list_filter = [
        WhenFilter,
        EffectiveStatusFilter,
        DeskFilter,
        ("rental", AccountRelatedFieldListFilter),
    ]
    date_hierarchy = "start_at"
    ordering = ["start_at", "id"]  # with WhenFilter's default: the next arrivals first
    search_fields = ["external_reference"]  # searched by get_search_results below
    search_help_text = "Reference (e.g. 00HIV6), external reference, client name or e-mail."
    autocomplete_fields = ["rental", "client"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts would scan the table per choice
    paginator = EstimatedCountPaginator
    list_per_page = 50
    actions = ["cancel_bookings", "confirm_holds"]
    inlines = [BookingFeeInline, BookingTaxInline, BookingCommentInline]
    save_as = False

    # --- list -----------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return BookingChangeList

    def changelist_view(self, request, extra_context=None):
        # The list needs the width (1280 px screens): the app sidebar stays one click
        # away in the breadcrumbs and on the index.
        return super().changelist_view(
            request, {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        clients = scope_to_user(Client.objects.all(), request).filter(
            Q(fullname__icontains=term) | Q(emails__icontains=term)
        )
        # A short list of ids lets PostgreSQL OR three index scans together; a subquery
        # under OR cannot use an index and scans every booking (bench/plans, 1M rows).
        client_ids = list(clients.values_list("pk", flat=True)[: SEARCH_CLIENT_IDS + 1])
        if len(client_ids) > SEARCH_CLIENT_IDS:
            condition = Q(external_reference=term) | Q(client__in=clients.values("pk"))
        else:
            condition = Q(external_reference=term) | Q(client_id__in=client_ids)
        booking_id = id_for_reference(term) if REFERENCE_LIKE.fullmatch(term) else None
        if booking_id is not None:
            condition |= Q(pk=booking_id)
        return queryset.filter(condition), False

    @admin.display(description="reference", ordering="id")
    def reference(self, booking: Booking) -> str:
        return booking.reference

    @admin.display(description="rental", ordering="rental__name")
    def rental_link(self, booking: Booking) -> str:
        """The rental, linking to its calendar at the stay's month."""
        month = f"{booking.start_at.astimezone(booking.rental.tzinfo):%Y-%m}"
        url = reverse("admin:rentals_rental_calendar", args=[booking.rental_id])
        return format_html(
            '<a href="{}?month={}" class="calendar-link" title="calendar of {} in {}">{}</a>',
            url,
            month,
            booking.rental.name,
            month,
            booking.rental.name,
        )

    @admin.display(description="check-in", ordering="start_at")
    def check_in(self, booking: Booking) -> str:
        return format_html(
            '<span class="nowrap">{}</span>', local_time(booking.start_at, booking, short=True)
        )

    @admin.display(description="check-out", ordering="end_at")
    def check_out(self, booking: Booking) -> str:
        return format_html(
            '<span class="nowrap">{}</span>', local_time(booking.end_at, booking, short=True)
        )

    @admin.display(description="nights")
    def nights(self, booking: Booking) -> int:
        return booking.nights

    @admin.display(description="status", ordering="status")
    def status_display(self, booking: Booking) -> str:
        status = booking.status_at()
        badge = format_html(
            '<span class="booking-status status-{}">{}</span>', status, Booking.Status(status).label
        )
        if status == Booking.Status.TENTATIVE and booking.tentative_expires_at:
            return format_html(
                '{}<br><small class="hold-until nowrap">until {}</small>',
                badge,
                local_time(booking.tentative_expires_at, booking, short=True),
            )
        return badge

    @admin.display(description="final price")
    def final_price_display(self, booking: Booking) -> str:
        return money(booking.final_price, booking.currency or booking.rental.currency)

    @admin.display(description="to collect")
    def left_to_collect(self, booking: Booking) -> str:
        if booking.status_at() == Booking.Status.CANCELED:
            return "—"  # nothing is collected on a canceled stay
        return money(booking.payment_left_to_collect, booking.currency or booking.rental.currency)

    @admin.display(description="calendar")
    def calendar_link(self, booking: Booking) -> str:
        month = f"{booking.start_at.astimezone(booking.rental.tzinfo):%Y-%m}"
        url = reverse("admin:rentals_rental_calendar", args=[booking.rental_id])
        return format_html(
            '<a href="{}?month={}" class="calendar-link" title="month calendar">calendar</a>',
            url,
            month,
        )

    # --- change page ----------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self._read_only_fieldsets()
        stay = [
            "rental",
            "client",
            "booking_status",
            "tentative_expires_at",
            ("check_in_date", "check_in_time"),
            ("check_out_date", "check_out_time"),
            ("buffer_before", "buffer_after"),
            ("adults", "children"),
            ("expected_checkin_time", "expected_checkout_time"),
        ]
        details = [
            ("summary", "free"),
            "description",
            "door_key_code",
            "external_reference",
            "source",
            "notes",
            "metadata",
        ]
        if obj is None:
            details.append("comment")
            stay += ["recurrence", "on_conflict"]
        fieldsets = [
            (None, {"fields": stay}),
            ("Price", {"fields": self._price_fields(obj)}),
            ("Damage deposit", {"fields": self._deposit_fields()}),
            ("Details", {"fields": details}),
        ]
        if obj is not None:
            fieldsets.insert(0, ("Booking", {"fields": self._summary_fields()}))
            fieldsets.append(HISTORY_FIELDSET)
        return fieldsets

    def _summary_fields(self):
        return [
            ("reference", "status_display"),
            "calendar_link",
            ("booked_at_local", "locked_by"),
            "occurrences",
        ]

    @admin.display(description="series")
    def occurrences(self, booking: Booking) -> str:
        """The occurrences of the booking's recurring series (DESIGN §9), this one in bold."""
        if booking.series_id is None:
            return "—"
        series = BookingSeries.objects.get(pk=booking.series_id)
        rows = Booking.objects.filter(series_id=booking.series_id).order_by("start_at", "id")
        now = timezone.now()
        items = format_html_join(
            "",
            '<li{}><a href="{}">{}</a> {} ({})</li>',
            (
                (
                    mark_safe(' class="this-occurrence"') if row.pk == booking.pk else "",
                    reverse("admin:bookings_booking_change", args=[row.pk]),
                    row.reference,
                    local_time(row.start_at, booking, short=True),
                    Booking.Status(row.status_at(now)).label,
                )
                for row in rows
            ),
        )
        return format_html(
            '<div class="series-occurrences">{} ({})<ul>{}</ul></div>',
            series.rrule,
            "skip conflicts" if series.on_conflict == "skip" else "all or nothing",
            items,
        )

    def _price_fields(self, obj):
        fields = [
            "currency",
            ("initial_price", "discount"),
            "final_price",
            ("channel_price", "commission", "downpayment"),
            ("final_payback_to_owner", "rental_payback_to_owner"),
        ]
        if obj is not None:
            fields[2:2] = ["final_rental_price_display"]
            fields += [("paid_amount", "left_to_collect"), "balance_due"]
        return fields

    def _deposit_fields(self):
        return [
            "damage_deposit",
            "charge_damage_deposit_on_arrival",
            "damage_deposit_collection_method",
            "damage_deposit_external_collection_method_name",
        ]

    def _read_only_fieldsets(self):
        return [
            (
                "Booking",
                {"fields": [*self._summary_fields(), ("canceled_at_local", "cancelation")]},
            ),
            (
                None,
                {
                    "fields": [
                        "rental",
                        "client",
                        ("check_in", "check_out", "nights"),
                        ("buffer_before", "buffer_after"),
                        ("adults", "children"),
                    ]
                },
            ),
            ("Price", {"fields": self._price_fields(True)}),
            ("Damage deposit", {"fields": self._deposit_fields()}),
            (
                "Details",
                {
                    "fields": [
                        ("summary", "free"),
                        "description",
                        "door_key_code",
                        "external_reference",
                        "source",
                        "notes",
                    ]
                },
            ),
            HISTORY_FIELDSET,
        ]

    @admin.display(description="changes")
    def history(self, booking: Booking) -> str:
        """Who changed what, when: one row per event of the booking (DESIGN §8)."""
        if booking.pk is None:
            return "—"
        events = list(
            record_history(
                account_id=booking.account_id, resource_type="booking", resource_id=booking.pk
            ).reverse()[:HISTORY_SHOWN]
        )
        user_ids = {e.actor.get("id") for e in events if e.actor.get("type") == Actor.USER}
        names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    local_time(event.occurred_at, booking),
                    _actor_label(event.actor, names),
                    event.event.removeprefix("booking_"),
                    "; ".join(
                        f"{name}: {old} → {new}" for name, (old, new) in event.changes.items()
                    )
                    or "—",
                )
                for event in events
            ),
        )
        return format_html(
            '<table class="booking-history"><thead><tr><th>when</th><th>who</th>'
            "<th>what</th><th>changes</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = [
            "reference",
            "status_display",
            "calendar_link",
            "booked_at_local",
            "locked_by",
            "final_rental_price_display",
            "paid_amount",
            "left_to_collect",
            "balance_due",
            "canceled_at_local",
            "cancelation",
            "check_in",
            "check_out",
            "nights",
            "history",
            "occurrences",
        ]
        if obj is not None:
            fields.append("rental")  # a booking does not move to another rental
        return fields

    @admin.display(description="final rental price")
    def final_rental_price_display(self, booking: Booking) -> str:
        return money(booking.final_rental_price, booking.currency or booking.rental.currency)

    @admin.display(description="booked at")
    def booked_at_local(self, booking: Booking) -> str:
        return zoned_time(booking.booked_at, booking)

    @admin.display(description="canceled at")
    def canceled_at_local(self, booking: Booking) -> str:
        return zoned_time(booking.canceled_at_effective(), booking)

    @admin.display(description="balance due")
    def balance_due(self, booking: Booking) -> str:
        return zoned_time(booking.balance_due_at, booking)

    @admin.display(description="cancelation")
    def cancelation(self, booking: Booking) -> str:
        reason = booking.cancelation_reason_effective()
        label = Booking.CancelationReason(reason).label if reason else "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            [
                (label,),
                *(
                    (f"{who}: {text}",)
                    for who, text in (
                        ("to guest", booking.cancelation_message_to_guest),
                        ("to channel", booking.cancelation_message_to_channel),
                    )
                    if text
                ),
            ],
        )

    @admin.display(description="locked to")
    def locked_by(self, booking: Booking) -> str:
        return booking.locked_by or "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.author = request.user.get_username()
        form.actor = Actor.user(request.user.pk)
        # Wall-clock times to the minute: seconds mean nothing at a front desk.
        for name in ("check_in_time", "check_out_time"):
            if name in form.base_fields:
                form.base_fields[name].widget.format = "%H:%M"
        expiry = form.base_fields.get("tentative_expires_at")
        if expiry is not None:
            expiry.widget.widgets[1].format = "%H:%M"
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # A booking form is no place to delete a rental or a guest (the red ✕).
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            formfield.widget.can_delete_related = False
        return formfield

    def get_inlines(self, request, obj):
        # Fees and comments of a new booking: add them once it exists (the add form has
        # a "first comment" field).
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not is_live(obj):
            return False  # canceled bookings stay as history
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a booking is canceled, never deleted

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """One transaction for the page: if any part failed, undo what the services
        already wrote, so the page re-renders with its errors and nothing half-saved."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and not isinstance(response, HttpResponseRedirect):
                transaction.set_rollback(True)
        return response

    def save_model(self, request, obj, form, change):
        """The form's service call has saved the booking already."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("booking_status", Booking.Status.BOOKED)
        return initial

    # --- cancel and confirm ---------------------------------------------------------

    def get_urls(self):
        cancel = path(
            "<path:object_id>/cancel/",
            self.admin_site.admin_view(self.cancel_view),
            name="bookings_booking_cancel",
        )
        board = path(
            "board/",
            self.admin_site.admin_view(lambda request: board_view(self, request)),
            name="bookings_booking_board",
        )
        return [cancel, board, *super().get_urls()]

    def cancel_view(self, request, object_id):
        booking = self.get_object(request, object_id)
        change_url = reverse("admin:bookings_booking_change", args=[booking.pk])
        if not self.has_change_permission(request, booking):
            if self.has_view_permission(request, booking):
                self.message_user(request, f"{booking.reference} is already canceled.")
                return HttpResponseRedirect(change_url)
            raise PermissionDenied
        return self._cancel(request, [booking], success_url=change_url)

    @admin.action(description="Cancel selected bookings…", permissions=["change"])
    def cancel_bookings(self, request, queryset):
        return self._cancel(request, list(queryset.select_related("rental", "client")))

    def _cancel(self, request, bookings, success_url=None):
        """The intermediate page: a reason and messages, then booking_cancel for each."""
        # One occurrence of a series, from its page: this one, the following, or all.
        series = success_url is not None and bookings[0].series_id is not None
        form = CancelBookingsForm(
            request.POST if "confirm" in request.POST else None, series=series
        )
        if form.is_bound and form.is_valid():
            canceled, skipped = 0, 0
            for booking in bookings:
                if not is_live(booking):
                    skipped += 1
                    continue
                try:
                    done = booking_series_cancel(
                        booking=booking,
                        scope=form.cleaned_data.get("scope") or "this",
                        reason=form.cleaned_data["reason"],
                        message_to_guest=form.cleaned_data["message_to_guest"],
                        message_to_channel=form.cleaned_data["message_to_channel"],
                        actor=Actor.user(request.user.pk),
                    )
                except DomainError as error:
                    self.message_user(request, f"{booking.reference}: {error}", messages.ERROR)
                else:
                    canceled += len(done)
            self.message_user(
                request,
                f"Canceled {canceled} booking{'s' if canceled != 1 else ''}"
                + (f"; {skipped} already canceled." if skipped else "."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(success_url) if success_url else None
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel bookings" if len(bookings) != 1 else "Cancel booking",
            "opts": self.opts,
            "bookings": bookings,
            "live_count": sum(1 for booking in bookings if is_live(booking)),
            "form": form,
            "single": success_url is not None,
            "action_name": "cancel_bookings",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/bookings/booking/cancel.html", context)

    @admin.action(description="Confirm selected tentative holds", permissions=["change"])
    def confirm_holds(self, request, queryset):
        now = timezone.now()
        confirmed = 0
        for booking in queryset.select_related("rental"):
            if booking.status_at(now) != Booking.Status.TENTATIVE:
                self.message_user(
                    request,
                    f"{booking.reference} is {booking.status_at(now)}, not a live hold: "
                    "left as it is.",
                    messages.WARNING,
                )
                continue
            try:
                booking_update(
                    booking=booking,
                    booking_input=BookingInput(status=Booking.Status.BOOKED),
                    actor=Actor.user(request.user.pk),
                )
            except DomainError as error:
                self.message_user(request, f"{booking.reference}: {error}", messages.ERROR)
            else:
                confirmed += 1
        if confirmed:
            self.message_user(
                request,
                f"Confirmed {confirmed} hold{'s' if confirmed != 1 else ''} as booked.",
                messages.SUCCESS,
            )


class ClientAdminForm(forms.ModelForm):
    emails = ListField(
        label="E-mails",
        widget=ListInput("email"),
        item_validators=[EmailValidator()],
        help_text="One address per box; a new box appears as you type.",
    )
    phones = ListField(
        label="Phones",
        widget=ListInput("tel"),
        help_text="One number per box, e.g. +44 20 7946 0000.",
    )

    class Meta:
        model = Client
        fields = [
            "account",
            *inputs.CLIENT_TEXT_FIELDS,
            *inputs.CLIENT_LIST_FIELDS,
        ]

    def _list(self, name: str) -> list[str]:
        try:
            return inputs.string_list(self.cleaned_data.get(name))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_emails(self) -> list[str]:
        return self._list("emails")

    def clean_phones(self) -> list[str]:
        return self._list("phones")

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        names = CLIENT_FIELDS & set(cleaned)
        client_input = inputs.ClientInput(**{name: cleaned[name] for name in names})
        for name, problems in inputs.client_bounds_errors(client_input).items():
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)
        return cleaned


@admin.register(Client)
class ClientAdmin(AccountScopedAdmin):
    form = ClientAdminForm

    class Media:
        css = {"all": ["bookings/backoffice.css"]}  # the list inputs of e-mails and phones

    list_display = ["fullname", "email_list", "phone_list", "preferred_locale"]
    search_fields = ["fullname", "firstname", "lastname", "emails"]
    readonly_fields = ["recent_bookings", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["account", "fullname", ("firstname", "lastname")]}),
        ("Contact", {"fields": ["emails", "phones", "preferred_locale", "notes"]}),
        ("Bookings", {"fields": ["recent_bookings"]}),
        ("History", {"classes": ["collapse"], "fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        """Through bookings/services.py; an edit writes only the fields changed."""
        if not request.user.is_superuser:
            obj.account_id = request.user.account_id
        names = CLIENT_FIELDS & (set(form.changed_data) if change else set(form.cleaned_data))
        client_input = inputs.ClientInput(**{name: form.cleaned_data[name] for name in names})
        actor = Actor.user(request.user.pk)
        if change:
            saved = client_update(client=obj, client_input=client_input, actor=actor)
        else:
            saved = client_create(account_id=obj.account_id, client_input=client_input, actor=actor)
        vars(obj).update(vars(saved))

    @admin.display(description="e-mails")
    def email_list(self, client: Client) -> str:
        return ", ".join(client.emails or [])

    @admin.display(description="phones")
    def phone_list(self, client: Client) -> str:
        return ", ".join(client.phones or [])

    @admin.display(description="latest bookings")
    def recent_bookings(self, client: Client) -> str:
        if client.pk is None:
            return "—"
        bookings = list(
            Booking.objects.filter(client=client)
            .select_related("rental")
            .order_by("-start_at", "-id")[:CLIENT_BOOKINGS_SHOWN]
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:bookings_booking_change", args=[b.pk]),
                    b.reference,
                    b.rental,
                    local_time(b.start_at, b),
                    local_time(b.end_at, b),
                    Booking.Status(b.status_at()).label,
                )
                for b in bookings
            ),
        )
        return format_html(
            '<table class="client-bookings"><thead><tr><th>reference</th><th>rental</th>'
            "<th>check-in</th><th>check-out</th><th>status</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}?q={}">all of this client\'s bookings</a></p>',
            rows or mark_safe('<tr><td colspan="5">No bookings yet.</td></tr>'),
            reverse("admin:bookings_booking_changelist"),
            client.fullname,
        )
