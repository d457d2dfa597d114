"""Admin forms that write bookings through bookings/services.py, never by saving a model.

How a save works (BookingAdmin.changeform_view wraps it in one transaction):
1. the booking form validates its fields, then calls booking_create / booking_update;
   a DomainError becomes form errors on the matching fields (an overlap lands on
   "check-in"), so a broken rule re-renders the page instead of a 500;
2. the fee and comment inlines then call booking_add_fee / booking_remove_fee /
   booking_add_comment the same way;
3. if anything on the page failed, BookingAdmin rolls the whole request back, so the page
   shows every error and nothing is half-saved. ModelAdmin.save_model and the formsets'
   save() have nothing left to do.
"""

from __future__ import annotations

import abc
import datetime as dt
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime, AdminTimeWidget
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from bookings import inputs
from bookings.inputs import SERIES_SCOPES, BookingInput, FeeInput, SeriesInput, max_length
from bookings.models import Booking, BookingComment, BookingFee, BookingSeries
from bookings.recurrence import MAX_RULE_LENGTH
from bookings.services import (
    booking_add_comment,
    booking_add_fee,
    booking_create,
    booking_remove_fee,
    booking_series_create,
    booking_update,
)
from core.errors import DomainError
from core.metadata_admin import MetadataFormField
from events.actors import Actor
from rentals.models import MAX_BUFFER_MINUTES, RentalsFee

TOO_LONG = "is too long (maximum is %(limit_value)d characters)"

STATUS_CHOICES = [
    (Booking.Status.BOOKED, "Booked"),
    (Booking.Status.TENTATIVE, "Tentative (a hold that expires)"),
    (Booking.Status.UNAVAILABLE, "Unavailable (blocked by the owner)"),
]

# Booking fields the form passes to the service as they are.
PLAIN_FIELDS = [
    "adults",
    "children",
    "currency",
    "initial_price",
    "discount",
    "final_price",
    "channel_price",
    "commission",
    "downpayment",
    "final_payback_to_owner",
    "rental_payback_to_owner",
    "damage_deposit",
    "charge_damage_deposit_on_arrival",
    "damage_deposit_collection_method",
    "damage_deposit_external_collection_method_name",
    "expected_checkin_time",
    "expected_checkout_time",
    "door_key_code",
    "notes",
    "external_reference",
    "source",
    "buffer_before",
    "buffer_after",
    # From OfficeRnD (DESIGN §9); visitors and members are set through the APIs.
    "free",
    "summary",
    "description",
]

# Where a service error about a wire field is shown in the form.
FORM_FIELD_FOR = {
    "status": "booking_status",
    "booked": "booking_status",
    "unavailable": "booking_status",
    "start_at": "check_in_date",
    "end_at": "check_out_date",
    "client_id": "client",
    "initial_rental_price": "initial_price",
    "comments.0.content": "comment",
}


def add_domain_errors(form: forms.BaseForm, error: DomainError, aliases: dict[str, str]) -> None:
    """Put each of the service's per-field messages on the form field it is about."""
    for name, messages in error.errors.items():
        target = aliases.get(name, name)
        for message in messages:
            if target in form.fields:
                form.add_error(target, message)
            else:
                form.add_error(None, f"{name}: {message}" if name else message)


def _local_instant(date: dt.date, time: dt.time | None, tz) -> dt.datetime | dt.date:
    """A wall-clock time in the rental's zone, or a bare date the service completes with
    the rental's check-in / check-out time."""
    if time is None:
        return date
    return dt.datetime.combine(date, time, tzinfo=tz).astimezone(dt.UTC)


class BookingAdminForm(forms.ModelForm):
    booking_status = forms.ChoiceField(
        label="Status", choices=STATUS_CHOICES, widget=forms.RadioSelect
    )
    tentative_expires_at = forms.SplitDateTimeField(
        label="Hold expires at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Only for a tentative hold; in the rental's time zone. Once it passes, "
        "the hold no longer blocks the dates and reads as canceled.",
    )
    # A recurring series (DESIGN §9), on the add form only.
    recurrence = forms.CharField(
        label="Repeat",
        required=False,
        max_length=MAX_RULE_LENGTH,
        help_text="Optional: an RRULE such as FREQ=WEEKLY;COUNT=10 (DAILY, WEEKLY or MONTHLY; "
        "COUNT or UNTIL; at most 366 occurrences). Every occurrence starts at this booking's "
        "local time; the first comment goes to each.",
    )
    on_conflict = forms.ChoiceField(
        label="If an occurrence conflicts",
        required=False,
        choices=[
            (BookingSeries.OnConflict.FAIL, "create nothing"),
            (BookingSeries.OnConflict.SKIP, "skip that occurrence"),
        ],
    )
    check_in_date = forms.DateField(label="Check-in", widget=AdminDateWidget)
    check_in_time = forms.TimeField(
        label="at",
        required=False,
        widget=AdminTimeWidget,
        help_text="Blank: the rental's check-in time. Times are in the rental's time zone.",
    )
    check_out_date = forms.DateField(label="Check-out", widget=AdminDateWidget)
    check_out_time = forms.TimeField(
        label="at",
        required=False,
        widget=AdminTimeWidget,
        help_text="Blank: the rental's check-out time.",
    )
    comment = forms.CharField(
        label="First comment",
        required=False,
        max_length=max_length(BookingComment, "content"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # Set by BookingAdmin.get_form: comments record who wrote them, events who changed what.
    author = ""
    actor: Actor | None = None

    metadata = MetadataFormField(label="Metadata")

    class Meta:
        model = Booking
        fields = ["rental", "client", *PLAIN_FIELDS, "metadata"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("damage_deposit", *inputs.BUFFER_FIELDS):
            if name in self.fields:
                self.fields[name].required = False
        for name in inputs.BUFFER_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs["max"] = MAX_BUFFER_MINUTES  # the service checks it
                if self.instance.pk is None:
                    # Blank: the rental's preparation time (Booked and Tentative only).
                    self.fields[name].initial = None
                    self.fields[
                        name
                    ].help_text = "Minutes. Blank: the rental's (none for an Unavailable period)."
        for form_field in self.fields.values():
            # The services' wording, so a limit reads the same in the API and here.
            form_field.error_messages["max_length"] = TOO_LONG
        booking = self.instance
        if booking.pk:
            tz = booking.rental.tzinfo
            start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
            self.initial.update(
                booking_status=booking.status,
                check_in_date=start.date(),
                check_in_time=start.time(),
                check_out_date=end.date(),
                check_out_time=end.time(),
            )
            if booking.tentative_expires_at:
                # Naive wall-clock time in the rental's zone (the widget shows it as is).
                self.initial["tentative_expires_at"] = booking.tentative_expires_at.astimezone(
                    tz
                ).replace(tzinfo=None)

    # The wire's readers of these coded fields, so "12" means 12:00 here as in the API.
    def _read(self, name: str, read) -> Any:
        try:
            return read(self.cleaned_data.get(name))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_discount(self) -> str:
        return self._read("discount", inputs.discount)

    def clean_currency(self) -> str:
        return self._read("currency", inputs.currency_code)

    def clean_expected_checkin_time(self) -> str:
        return self._read("expected_checkin_time", inputs.time_of_day)

    def clean_expected_checkout_time(self) -> str:
        return self._read("expected_checkout_time", inputs.time_of_day)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("booking_status") == Booking.Status.TENTATIVE and not cleaned.get(
            "tentative_expires_at"
        ):
            self.add_error("tentative_expires_at", "A tentative hold needs an expiry time.")
        return cleaned

    def _post_clean(self) -> None:
        # No model validation here: the rules live in the service (DESIGN §3), which
        # runs instead, in a savepoint of the request's transaction.
        if self.errors:
            return
        booking_input = self.booking_input()
        try:
            if self.instance.pk is None and self.cleaned_data.get("recurrence"):
                self.series_created = booking_series_create(
                    rental=self.cleaned_data["rental"],
                    booking_input=booking_input,
                    series_input=SeriesInput(
                        rrule=self.cleaned_data["recurrence"],
                        on_conflict=self.cleaned_data.get("on_conflict") or "fail",
                    ),
                    actor=self.actor,
                    author=self.author,
                )
                booking = self.series_created.bookings[0]
            elif self.instance.pk is None:
                booking = booking_create(
                    rental=self.cleaned_data["rental"],
                    booking_input=booking_input,
                    actor=self.actor,
                    author=self.author,
                )
            elif booking_input.values():
                booking = booking_update(
                    booking=self.instance, booking_input=booking_input, actor=self.actor
                )
            else:
                return
        except DomainError as error:
            add_domain_errors(self, error, FORM_FIELD_FOR)
            return
        self.instance = booking

    def booking_input(self) -> BookingInput:
        """The form's typed values: all of them on create, the changed ones on update (so
        an untouched field is left as it is)."""
        cleaned = self.cleaned_data
        adding = self.instance.pk is None
        rental = cleaned["rental"] if adding else self.instance.rental
        tz = rental.tzinfo
        changed = set(self.changed_data)
        values: dict[str, Any] = {}

        for name in PLAIN_FIELDS:
            if name not in self.fields:
                continue
            value = cleaned.get(name)
            if adding and value in (None, ""):
                continue  # the service's default (e.g. the rental's currency)
            if value is None and name in inputs.BUFFER_FIELDS:
                value = 0  # cleared on an edit: no preparation time
            if adding or name in changed:
                values[name] = value
        if adding or "client" in changed:
            client = cleaned.get("client")
            values["client_id"] = client.pk if client else None
        if adding or changed & {"check_in_date", "check_in_time"}:
            values["start_at"] = _local_instant(
                cleaned["check_in_date"], cleaned.get("check_in_time"), tz
            )
        if adding or changed & {"check_out_date", "check_out_time"}:
            values["end_at"] = _local_instant(
                cleaned["check_out_date"], cleaned.get("check_out_time"), tz
            )
        if adding or changed & {"booking_status", "tentative_expires_at"}:
            values["status"] = cleaned["booking_status"]
            if values["status"] == Booking.Status.TENTATIVE:
                wall_clock = timezone.make_naive(cleaned["tentative_expires_at"])
                values["tentative_expires_at"] = wall_clock.replace(tzinfo=tz).astimezone(dt.UTC)
        if "metadata" in self.fields and (adding or "metadata" in changed):
            # The editor shows the whole object; the service merges changes, so a key
            # removed on the page is sent as a removal (None).
            shown = cleaned.get("metadata") or {}
            old = {} if adding else (self.instance.metadata or {})
            if shown or old:
                values["metadata"] = {**dict.fromkeys(set(old) - set(shown)), **shown}
        comments = (cleaned["comment"],) if adding and cleaned.get("comment") else ()
        return BookingInput(**values, comments=comments)

    def save(self, commit: bool = True) -> Booking:
        # The service already wrote the booking during validation.
        return self.instance

    def save_m2m(self) -> None:
        return None


class BookingFeeForm(forms.ModelForm):
    class Meta:
        model = BookingFee
        fields = ["rentals_fee", "name", "price", "times_booked", "included_in_price"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Blank name or price: taken from the catalogue fee chosen.
        for name in ("name", "price"):
            if name in self.fields:
                self.fields[name].required = False


class ServiceInlineFormSet(BaseInlineFormSet, abc.ABC):
    """An inline whose rows are written by services in clean(); save() only reports."""

    added: list[Any]
    removed: list[Any]

    def clean(self) -> None:
        super().clean()
        self.added, self.removed = [], []
        if any(self.errors) or self.instance.pk is None:
            return
        problems: list[str] = []
        for form in self.initial_forms:
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                problems += self.remove(form)
        for form in self.extra_forms:
            if form.has_changed() and not self._should_delete_form(form):  # type: ignore[attr-defined]
                self.add(form)
        if problems:
            # A row marked for deletion does not show its own errors: show them above.
            raise forms.ValidationError(problems)

    @abc.abstractmethod
    def add(self, form: forms.ModelForm) -> None:
        """Create the row through a service; put its refusals on the row's fields."""

    @abc.abstractmethod
    def remove(self, form: forms.ModelForm) -> list[str]:
        """Delete the row through a service; return the messages if it refused."""

    def save(self, commit: bool = True) -> list[Any]:
        self.new_objects, self.changed_objects, self.deleted_objects = self.added, [], self.removed
        return self.added


class BookingFeeFormSet(ServiceInlineFormSet):
    actor: Actor | None = None

    def _construct_form(self, i: int, **kwargs: Any) -> forms.ModelForm:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        if "rentals_fee" in form.fields:
            form.fields["rentals_fee"].queryset = RentalsFee.objects.filter(
                rental_id=self.instance.rental_id
            )
        return form

    def add(self, form: forms.ModelForm) -> None:
        cleaned = form.cleaned_data
        rentals_fee = cleaned.get("rentals_fee")
        fee = FeeInput(
            name=cleaned.get("name") or "",
            price=cleaned.get("price"),
            times_booked=cleaned.get("times_booked") or 1,
            rentals_fee_id=rentals_fee.pk if rentals_fee else None,
            # An unticked box over a catalogue fee means "as the catalogue says".
            included_in_price=(
                True if cleaned.get("included_in_price") else (None if rentals_fee else False)
            ),
        )
        try:
            self.added.append(booking_add_fee(booking=self.instance, fee=fee, actor=self.actor))
        except DomainError as error:
            add_domain_errors(
                form, error, {f"bookings_fees.0.{name}": name for name in form.fields}
            )

    def remove(self, form: forms.ModelForm) -> list[str]:
        try:
            booking_remove_fee(booking=self.instance, fee_id=form.instance.pk, actor=self.actor)
        except DomainError as error:
            return [
                f"{form.instance}: {message}"
                for messages in error.errors.values()
                for message in messages
            ]
        self.removed.append(form.instance)
        return []


class BookingCommentFormSet(ServiceInlineFormSet):
    author = ""
    actor: Actor | None = None

    def add(self, form: forms.ModelForm) -> None:
        try:
            comment = booking_add_comment(
                booking=self.instance,
                content=form.cleaned_data.get("content") or "",
                author=self.author,
                actor=self.actor,
            )
        except DomainError as error:
            add_domain_errors(form, error, {})
        else:
            self.added.append(comment)

    def remove(self, form: forms.ModelForm) -> list[str]:
        return ["comments stay as the booking's history and cannot be deleted"]


class BookingCommentForm(forms.ModelForm):
    class Meta:
        model = BookingComment
        fields = ["content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2})}


CANCELATION_REASONS = [
    ("", "—"),
    *[
        (value, label)
        for value, label in Booking.CancelationReason.choices
        if value != Booking.CancelationReason.TENTATIVE_EXPIRED
    ],
]


class CancelBookingsForm(forms.Form):
    """The intermediate page of "cancel": why, and what to tell the guest and the channel."""

    reason = forms.ChoiceField(label="Reason", choices=CANCELATION_REASONS, required=False)
    message_to_guest = forms.CharField(
        label="Message to the guest",
        required=False,
        max_length=max_length(Booking, "cancelation_message_to_guest"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    message_to_channel = forms.CharField(
        label="Message to the channel",
        required=False,
        max_length=max_length(Booking, "cancelation_message_to_channel"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, series: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if series:  # one occurrence of a recurring series: which ones (DESIGN §9)
            self.fields["scope"] = forms.ChoiceField(
                label="Occurrences",
                choices=list(
                    zip(
                        SERIES_SCOPES,
                        ["this one", "this one and the following", "the whole series"],
                        strict=True,
                    )
                ),
                initial="this",
                widget=forms.RadioSelect,
            )
