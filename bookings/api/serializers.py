"""The wire shapes of bookings, their fees, taxes and comments, and clients.

Output serializers build their dicts directly in `to_representation` (a list page is
100 records; DRF's per-field machinery would dominate its time); their declared fields
describe that shape for the OpenAPI schema, and schemathesis checks the two agree.
Input serializers only document the accepted fields: the services coerce and
validate raw values (DESIGN §3), so the views pass the unwrapped dict straight on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from rest_framework import serializers

from bookings.inputs import max_length
from bookings.models import Booking, BookingComment, BookingFee, BookingTax, Client
from core.timefmt import utc_text
from rentals.models import MAX_BUFFER_MINUTES

RESTRICTED_FIELDS = ("id", "reference", "status", "start_at", "end_at", "updated_at")


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.3f}"


def _money_field(**kwargs: Any) -> serializers.DecimalField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _optional(field_class: type, **kwargs: Any) -> serializers.Field:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return field_class(**kwargs)


def _ids() -> serializers.ListField:
    return serializers.ListField(child=serializers.IntegerField(), required=False)


def _limit(name: str) -> int:
    """A booking text field's limit, as its model field states it (documentation only:
    bookings.inputs enforces it)."""
    return max_length(Booking, name)


def _decimal_input(name: str, model: type[models.Model] = Booking, **kwargs: Any) -> Any:
    """A decimal input documented with its column's digits (read from the model)."""
    column: Any = model._meta.get_field(name)
    return serializers.DecimalField(
        max_digits=column.max_digits, decimal_places=column.decimal_places, **kwargs
    )


def translated(name: str) -> dict[str, str]:
    return {"en": name}


class TranslationsSerializer(serializers.Serializer):
    en = serializers.CharField()


# --- booking fees ---------------------------------------------------------------------


class BookingFeeLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    booking = serializers.IntegerField()
    rentals_fee = serializers.IntegerField(allow_null=True)
    bookings_taxes = serializers.ListField(child=serializers.IntegerField())


class BookingFeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = TranslationsSerializer()
    price = _money_field(required=True, allow_null=False)
    times_booked = serializers.IntegerField()
    required = serializers.BooleanField(allow_null=True)  # type: ignore[assignment]  # a field named like a Field attribute
    included_in_price = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = BookingFeeLinksSerializer()

    def to_representation(self, fee: BookingFee) -> dict[str, Any]:
        tax_ids = self.context.get("fee_tax_ids")
        taxes = [tax.pk for tax in fee.taxes.all()] if tax_ids is None else tax_ids.get(fee.pk, [])
        return {
            "id": fee.pk,
            "name": translated(fee.name),
            "price": money(fee.price),
            "times_booked": fee.times_booked,
            "required": fee.required,
            "included_in_price": fee.included_in_price,
            "created_at": utc_text(fee.created_at),
            "updated_at": utc_text(fee.updated_at),
            "links": {
                "account": fee.account_id,
                "booking": fee.booking_id,
                "rentals_fee": fee.rentals_fee_id,
                "bookings_taxes": taxes,
            },
        }


class BookingFeeInputSerializer(serializers.Serializer):
    name = serializers.CharField(help_text='a string or {"en": "..."}; default: the rental fee')
    price = _decimal_input("price", model=BookingFee, min_value=Decimal(0))
    times_booked = serializers.IntegerField(min_value=1, required=False, default=1)
    rentals_fee_id = serializers.IntegerField(required=False, allow_null=True)
    required = serializers.BooleanField(required=False, allow_null=True)  # type: ignore[assignment]
    included_in_price = serializers.BooleanField(required=False)


# --- booking taxes --------------------------------------------------------------------


class TaxableSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    type = serializers.ChoiceField(choices=BookingTax.TaxableType.values)


class BookingTaxLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    booking = serializers.IntegerField()
    tax = serializers.IntegerField(allow_null=True)
    taxable = TaxableSerializer()


class BookingTaxSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = TranslationsSerializer()
    tax_included_in_price = serializers.BooleanField()
    percentage = serializers.DecimalField(max_digits=9, decimal_places=3)
    amount = _money_field(required=True, allow_null=False)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = BookingTaxLinksSerializer()

    def to_representation(self, tax: BookingTax) -> dict[str, Any]:
        if tax.taxable_type == BookingTax.TaxableType.BOOKINGS_FEE:
            taxable_id = tax.bookings_fee_id
        else:
            taxable_id = getattr(tax, "booking_rental_id", None)
            if taxable_id is None:
                taxable_id = tax.booking.rental_id  # cached by the booking's prefetch
        return {
            "id": tax.pk,
            "name": translated(tax.name),
            "tax_included_in_price": tax.included_in_price,
            "percentage": percent(tax.percentage),
            "amount": money(tax.amount),
            "created_at": utc_text(tax.created_at),
            "updated_at": utc_text(tax.updated_at),
            "links": {
                "account": tax.account_id,
                "booking": tax.booking_id,
                "tax": tax.tax_id,
                "taxable": {"id": taxable_id, "type": tax.taxable_type},
            },
        }


class BookingTaxInputSerializer(serializers.Serializer):
    name = serializers.CharField(help_text='a string or {"en": "..."}; default: the tax')
    amount = _decimal_input("amount", model=BookingTax)
    percentage = serializers.DecimalField(
        max_digits=9, decimal_places=3, required=False, min_value=Decimal(0)
    )
    tax_id = serializers.IntegerField(required=False, allow_null=True)
    taxable_type = serializers.ChoiceField(
        choices=BookingTax.TaxableType.values, required=False, default="Rental"
    )
    taxable_id = serializers.IntegerField(required=False, allow_null=True)
    included = serializers.BooleanField(
        required=False, help_text="also accepted as included_in_price / tax_included_in_price"
    )


# --- booking comments -----------------------------------------------------------------


class BookingCommentLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    booking = serializers.IntegerField()


class BookingCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = BookingCommentLinksSerializer()

    def to_representation(self, comment: BookingComment) -> dict[str, Any]:
        return {
            "id": comment.pk,
            "content": comment.content,
            "created_at": utc_text(comment.created_at),
            "updated_at": utc_text(comment.updated_at),
            "links": {"account": comment.account_id, "booking": comment.booking_id},
        }


class BookingCommentInputSerializer(serializers.Serializer):
    content = serializers.CharField()


# --- bookings -------------------------------------------------------------------------


class BookingLinksSerializer(serializers.Serializer):
    rental = serializers.IntegerField()
    account = _optional(serializers.IntegerField, allow_null=False)
    client = _optional(serializers.IntegerField)
    bookings_fees = _ids()
    bookings_taxes = _ids()
    booking_comments = _ids()
    bookings_payments = _ids()
    bookings_tags = _ids()
    conversations = _ids()
    payments = _ids()
    rentals_tags = _ids()
    discount_code_usage = _optional(serializers.IntegerField)
    inquiry = _optional(serializers.IntegerField)
    rental_agreement = _optional(serializers.IntegerField)
    source = _optional(serializers.IntegerField)  # type: ignore[assignment]
    # --- series extension (DESIGN §9) ---
    booking_series = _optional(
        serializers.IntegerField, help_text="extension: the series this booking belongs to"
    )


def _prefetched(booking: Booking, attribute: str, relation: str) -> list[Any]:
    prefetched = getattr(booking, attribute, None)
    if prefetched is not None:
        return prefetched
    return list(getattr(booking, relation).all())


def _linked_ids(booking: Booking, ids: str, attribute: str, relation: str) -> list[int]:
    """Ids set by selectors.attach_link_ids, else those of the (prefetched) rows."""
    found = getattr(booking, ids, None)
    if found is not None:
        return found
    return [row.pk for row in _prefetched(booking, attribute, relation)]


def _payment_share_ids(booking: Booking) -> list[int]:
    """Shares of payments not canceled (what bookings_payments_count counts)."""
    found = getattr(booking, "api_payment_share_ids", None)
    if found is not None:
        return found
    if not booking.bookings_payments_count:
        return []
    return list(
        booking.payment_shares.filter(payment__canceled_at__isnull=True)  # type: ignore[attr-defined]
        .order_by("id")
        .values_list("id", flat=True)
    )


class ActorSerializer(serializers.Serializer):
    """Who made a change (the event log's actor): an application, a user or the system."""

    type = serializers.ChoiceField(choices=["application", "user", "system"])
    id = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False, help_text="for the system: e.g. tentative_expiry")


class BookingSerializer(serializers.Serializer):
    """A booking as the caller may see it: every field for bookings_read / bookings_write
    and for the application that created it; otherwise only RESTRICTED_FIELDS and the
    rental link (so only those are required in the schema)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Booking.Status.labels)
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = BookingLinksSerializer()

    adults = _optional(serializers.IntegerField)
    children = _optional(serializers.IntegerField)
    buffer_before = _optional(
        serializers.IntegerField,
        allow_null=False,
        help_text="extension: minutes of preparation time before the stay (DESIGN §9)",
    )
    buffer_after = _optional(
        serializers.IntegerField,
        allow_null=False,
        help_text="extension: minutes of preparation time after the stay (DESIGN §9)",
    )
    metadata = serializers.DictField(
        required=False,
        help_text="key/value data of the integration (DESIGN §10): strings, numbers, booleans",
    )
    booked = _optional(serializers.BooleanField, allow_null=False)
    unavailable = _optional(serializers.BooleanField, allow_null=False)
    bookings_payments_count = _optional(serializers.IntegerField, allow_null=False)
    review_requests_count = _optional(serializers.IntegerField, allow_null=False)
    currency = _optional(serializers.CharField, allow_blank=True)
    initial_price = _money_field()
    initial_rental_price = _money_field()
    discount = _optional(serializers.CharField, allow_blank=True)
    final_rental_price = _money_field()
    final_price = _money_field()
    channel_price = _money_field()
    commission = _money_field()
    downpayment = _money_field()
    final_payback_to_owner = _money_field()
    rental_payback_to_owner = _money_field()
    paid_amount = _money_field()
    authorized_amount = _money_field()
    paid_or_authorized_amount = _money_field()
    payment_left_to_collect = _money_field()
    reconciliation = _money_field()
    damage_deposit = _money_field()
    charge_damage_deposit_on_arrival = _optional(serializers.BooleanField, allow_null=False)
    damage_deposit_collection_method = _optional(serializers.CharField)
    damage_deposit_external_collection_method_name = _optional(serializers.CharField)
    expected_checkin_time = _optional(serializers.CharField)
    expected_checkout_time = _optional(serializers.CharField)
    door_key_code = _optional(serializers.CharField)
    notes = _optional(serializers.CharField, allow_blank=True)
    external_reference = _optional(serializers.CharField)
    imported = _optional(serializers.BooleanField, allow_null=False)
    locked = _optional(serializers.CharField, help_text='"application-17" or null')
    owned_by_app = _optional(serializers.BooleanField, allow_null=False)
    payment_url = _optional(serializers.CharField)
    cancelation_reason = _optional(
        serializers.ChoiceField, choices=Booking.CancelationReason.values
    )
    cancelation_message_to_guest = _optional(serializers.CharField)
    cancelation_message_to_channel = _optional(serializers.CharField)
    created_at = _optional(serializers.DateTimeField, allow_null=False)
    booked_at = _optional(serializers.DateTimeField)
    canceled_at = _optional(serializers.DateTimeField)
    tentative_expires_at = _optional(serializers.DateTimeField)
    balance_due_at = _optional(serializers.DateTimeField, allow_null=False)
    contract_updated_at = _optional(serializers.DateTimeField)
    created_by = ActorSerializer(
        required=False, allow_null=True, help_text="extension: the actor of the first event"
    )
    updated_by = ActorSerializer(
        required=False, allow_null=True, help_text="extension: the actor of the last event"
    )
    bookings_fees = BookingFeeSerializer(many=True, required=False)
    bookings_taxes = BookingTaxSerializer(many=True, required=False)
    booking_comments = BookingCommentSerializer(many=True, required=False)
    # --- OfficeRnD extension fields (DESIGN §9) ---
    free = _optional(
        serializers.BooleanField,
        allow_null=False,
        help_text="extension: a free booking has no fees and its prices are 0",
    )
    summary = _optional(serializers.CharField, allow_blank=True, help_text="extension: a title")
    description = _optional(serializers.CharField, allow_blank=True, help_text="extension")
    visitors = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="extension: client ids"
    )
    members = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="extension: client ids"
    )

    def to_representation(self, booking: Booking) -> dict[str, Any]:
        context = self.context  # DRF walks up to the root serializer on each access
        now = context["now"]
        client = context["view"].client
        status = booking.status_at(now)
        record: dict[str, Any] = {
            "id": booking.pk,
            "reference": booking.reference,
            "status": Booking.Status(status).label,
            "start_at": utc_text(booking.start_at),
            "end_at": utc_text(booking.end_at),
            "updated_at": utc_text(booking.updated_at),
        }
        owned = booking.application_id is not None and booking.application_id == (
            client.application_id
        )
        if not (context["full_access"] or owned):
            record["links"] = {"rental": booking.rental_id}
            return record
        record.update(
            {
                "adults": booking.adults,
                "children": booking.children,
                "buffer_before": booking.buffer_before,
                "buffer_after": booking.buffer_after,
                "metadata": booking.metadata,
                "booked": status == Booking.Status.BOOKED,
                "unavailable": status == Booking.Status.UNAVAILABLE,
                "bookings_payments_count": booking.bookings_payments_count,
                "review_requests_count": 0,
                "currency": booking.currency,
                "initial_price": money(booking.initial_price),
                "initial_rental_price": money(booking.initial_price),
                "discount": booking.discount,
                "final_rental_price": money(booking.final_rental_price),
                "final_price": money(booking.final_price),
                "channel_price": money(booking.channel_price),
                "commission": money(booking.commission),
                "downpayment": money(booking.downpayment),
                "final_payback_to_owner": money(booking.final_payback_to_owner),
                "rental_payback_to_owner": money(booking.rental_payback_to_owner),
                "paid_amount": money(booking.paid_amount),
                "authorized_amount": money(Decimal(0)),
                "paid_or_authorized_amount": money(booking.paid_amount),
                "payment_left_to_collect": money(booking.payment_left_to_collect),
                "reconciliation": money(booking.reconciliation),
                "damage_deposit": money(booking.damage_deposit),
                "charge_damage_deposit_on_arrival": booking.charge_damage_deposit_on_arrival,
                "damage_deposit_collection_method": booking.damage_deposit_collection_method
                or None,
                "damage_deposit_external_collection_method_name": (
                    booking.damage_deposit_external_collection_method_name or None
                ),
                "expected_checkin_time": booking.expected_checkin_time or None,
                "expected_checkout_time": booking.expected_checkout_time or None,
                "door_key_code": booking.door_key_code or None,
                "notes": booking.notes,
                "external_reference": booking.external_reference or None,
                "imported": booking.imported,
                "locked": booking.locked_by,
                "owned_by_app": owned,
                "payment_url": None,
                "cancelation_reason": booking.cancelation_reason_effective(now) or None,
                "cancelation_message_to_guest": booking.cancelation_message_to_guest or None,
                "cancelation_message_to_channel": booking.cancelation_message_to_channel or None,
                "created_at": utc_text(booking.created_at),
                "booked_at": utc_text(booking.booked_at),
                "canceled_at": utc_text(booking.canceled_at_effective(now)),
                "tentative_expires_at": utc_text(booking.tentative_expires_at),
                "balance_due_at": utc_text(booking.balance_due_at),
                "contract_updated_at": None,
                "created_by": booking.created_by,
                "updated_by": booking.updated_by,
                "links": {
                    "account": booking.account_id,
                    "rental": booking.rental_id,
                    "client": booking.client_id,
                    # Ids set by selectors.attach_link_ids, else from the related rows.
                    "bookings_fees": _linked_ids(
                        booking, "api_fee_ids", "api_fees", "bookings_fees"
                    ),
                    "bookings_taxes": _linked_ids(
                        booking, "api_tax_ids", "api_taxes", "bookings_taxes"
                    ),
                    "booking_comments": _linked_ids(
                        booking, "api_comment_ids", "api_comments", "booking_comments"
                    ),
                    "bookings_payments": _payment_share_ids(booking),
                    "bookings_tags": [],
                    "conversations": [],
                    "payments": [],
                    "rentals_tags": [],
                    "discount_code_usage": None,
                    "inquiry": None,
                    "rental_agreement": None,
                    "source": None,
                    "booking_series": booking.series_id,  # series extension (DESIGN §9)
                },
                # OfficeRnD extension fields (DESIGN §9)
                "free": booking.free,
                "summary": booking.summary,
                "description": booking.description,
                "visitors": list(booking.visitors or []),
                "members": list(booking.members or []),
            }
        )
        include = context.get("include", ())
        if include:  # rows prefetched by bookings.selectors, else the relations themselves
            fees = _prefetched(booking, "api_fees", "bookings_fees")
            taxes = _prefetched(booking, "api_taxes", "bookings_taxes")
        if "bookings_fees" in include:
            tax_ids: dict[int, list[int]] = {}
            for tax in taxes:
                if tax.bookings_fee_id:
                    tax_ids.setdefault(tax.bookings_fee_id, []).append(tax.pk)
            context = {**context, "fee_tax_ids": tax_ids}
            record["bookings_fees"] = [
                BookingFeeSerializer(context=context).to_representation(fee) for fee in fees
            ]
        if "bookings_taxes" in include:
            record["bookings_taxes"] = [
                BookingTaxSerializer(context=context).to_representation(tax) for tax in taxes
            ]
        if "booking_comments" in include:
            record["booking_comments"] = [
                BookingCommentSerializer(context=context).to_representation(comment)
                for comment in _prefetched(booking, "api_comments", "booking_comments")
            ]
        return record


class BookingInputSerializer(serializers.Serializer):
    """The fields a booking accepts (DESIGN §3); anything else in the body is ignored."""

    start_at = serializers.CharField(
        required=False,
        help_text="required on create: ISO 8601, YYYY-MM-DD HH:MM:SS UTC, or a date "
        "(then the rental's check-in time in its time zone)",
    )
    end_at = serializers.CharField(required=False, help_text="required on create; like start_at")
    booked = serializers.BooleanField(required=False)
    unavailable = serializers.BooleanField(required=False)
    tentative_expires_at = serializers.CharField(
        required=False, allow_null=True, help_text="a future time: a hold until then"
    )
    client_id = serializers.IntegerField(required=False, allow_null=True)
    metadata = serializers.DictField(
        required=False,
        help_text="at most 50 keys; values strings (≤ 5000), numbers or booleans; on update "
        'given keys replace, null or "" removes a key, absent keys stay',
    )
    buffer_before = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_BUFFER_MINUTES,
        help_text="extension: minutes of preparation before the stay; on create, default "
        "the rental's for a booked or tentative booking, else 0",
    )
    buffer_after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_BUFFER_MINUTES,
        help_text="extension: minutes of preparation after the stay; default as buffer_before",
    )
    adults = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    children = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    currency = serializers.CharField(
        required=False, allow_blank=True, max_length=_limit("currency")
    )
    initial_price = _decimal_input("initial_price", required=False, allow_null=True)
    initial_rental_price = _decimal_input("initial_price", required=False, allow_null=True)
    discount = serializers.CharField(required=False, allow_blank=True, help_text="100 or 10%")
    final_price = _decimal_input("final_price", required=False, allow_null=True)
    channel_price = _decimal_input("channel_price", required=False, allow_null=True)
    commission = _decimal_input("commission", required=False, allow_null=True)
    downpayment = _decimal_input("downpayment", required=False, allow_null=True)
    final_payback_to_owner = _decimal_input(
        "final_payback_to_owner", required=False, allow_null=True
    )
    rental_payback_to_owner = _decimal_input(
        "rental_payback_to_owner", required=False, allow_null=True
    )
    damage_deposit = _decimal_input(
        "damage_deposit", required=False, allow_null=True, min_value=Decimal(0)
    )
    reconciliation = _decimal_input("reconciliation", required=False, allow_null=True)
    charge_damage_deposit_on_arrival = serializers.BooleanField(required=False)
    damage_deposit_collection_method = serializers.ChoiceField(
        choices=[*Booking.DepositCollection.values, ""], required=False
    )
    damage_deposit_external_collection_method_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=_limit("damage_deposit_external_collection_method_name"),
    )
    expected_checkin_time = serializers.CharField(
        required=False, allow_blank=True, help_text="12 or 12:30"
    )
    expected_checkout_time = serializers.CharField(
        required=False, allow_blank=True, help_text="12 or 12:30"
    )
    door_key_code = serializers.CharField(
        required=False, allow_blank=True, max_length=_limit("door_key_code")
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=_limit("notes"))
    external_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=_limit("external_reference")
    )
    source = serializers.CharField(required=False, allow_blank=True, max_length=_limit("source"))  # type: ignore[assignment]
    imported = serializers.BooleanField(required=False)
    booked_at = serializers.CharField(required=False, allow_null=True)
    cancelation_reason = serializers.ChoiceField(
        choices=[*Booking.CancelationReason.values, ""], required=False
    )
    # --- OfficeRnD extension fields (DESIGN §9) ---
    free = serializers.BooleanField(
        required=False,
        help_text="extension: no fees, prices 0 (fees or a non-zero price with it: 422)",
    )
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=_limit("summary"), help_text="extension"
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=_limit("description"), help_text="extension"
    )
    visitors = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100,
        help_text="extension: ids of the account's clients",
    )
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100,
        help_text="extension: ids of the account's clients",
    )


class RecurrenceInputSerializer(serializers.Serializer):
    rrule = serializers.CharField(
        max_length=500,
        help_text="RFC 5545 RRULE: FREQ DAILY, WEEKLY or MONTHLY; COUNT or UNTIL required; "
        "at most 366 occurrences, none more than 3 years after the first",
    )


class BookingCreateInputSerializer(BookingInputSerializer):
    bookings_fees = BookingFeeInputSerializer(many=True, required=False)
    bookings_taxes = BookingTaxInputSerializer(many=True, required=False)
    comments = BookingCommentInputSerializer(many=True, required=False)
    # --- series extension (DESIGN §9) ---
    recurrence = RecurrenceInputSerializer(
        required=False,
        help_text="extension: makes a recurring series; every occurrence is returned",
    )
    on_conflict = serializers.ChoiceField(
        choices=["fail", "skip"],
        required=False,
        help_text="extension, with recurrence: fail (default) creates nothing when an "
        "occurrence conflicts; skip leaves those out (meta.skipped_occurrences)",
    )


class BookingSeriesLinksSerializer(serializers.Serializer):
    rental = serializers.IntegerField()
    bookings = serializers.ListField(child=serializers.IntegerField())


class BookingSeriesSerializer(serializers.Serializer):
    """A recurring series (DESIGN §9): its rule and its occurrences' ids, by start."""

    id = serializers.IntegerField()
    rrule = serializers.CharField()
    on_conflict = serializers.ChoiceField(choices=["fail", "skip"])
    created_at = serializers.DateTimeField()
    links = BookingSeriesLinksSerializer()

    def to_representation(self, series: Any) -> dict[str, Any]:
        return {
            "id": series.pk,
            "rrule": series.rrule,
            "on_conflict": series.on_conflict,
            "created_at": utc_text(series.created_at),
            "links": {
                "rental": series.rental_id,
                "bookings": [booking.pk for booking in series.bookings.all()],
            },
        }


class BookingCancelInputSerializer(serializers.Serializer):
    cancelation_reason = serializers.ChoiceField(
        choices=Booking.CancelationReason.values, required=False
    )
    cancelation_message_to_guest = serializers.CharField(required=False, allow_blank=True)
    cancelation_message_to_channel = serializers.CharField(required=False, allow_blank=True)


# --- clients --------------------------------------------------------------------------


class ClientLinksSerializer(serializers.Serializer):
    account = serializers.IntegerField()


class ClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fullname = serializers.CharField()
    firstname = serializers.CharField(allow_blank=True)
    lastname = serializers.CharField(allow_blank=True)
    emails = serializers.ListField(child=serializers.CharField())
    phones = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField(allow_blank=True)
    preferred_locale = serializers.CharField(allow_blank=True)
    metadata = serializers.DictField(help_text="key/value data of the integration (DESIGN §10)")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = ClientLinksSerializer()

    def to_representation(self, client: Client) -> dict[str, Any]:
        return {
            "id": client.pk,
            "fullname": client.fullname,
            "firstname": client.firstname,
            "lastname": client.lastname,
            "emails": list(client.emails or []),
            "phones": list(client.phones or []),
            "notes": client.notes,
            "preferred_locale": client.preferred_locale,
            "metadata": client.metadata,
            "created_at": utc_text(client.created_at),
            "updated_at": utc_text(client.updated_at),
            "links": {"account": client.account_id},
        }


class ClientInputSerializer(serializers.Serializer):
    fullname = serializers.CharField(
        max_length=max_length(Client, "fullname"), required=False, help_text="required on create"
    )
    firstname = serializers.CharField(
        max_length=max_length(Client, "firstname"), required=False, allow_blank=True
    )
    lastname = serializers.CharField(
        max_length=max_length(Client, "lastname"), required=False, allow_blank=True
    )
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    preferred_locale = serializers.CharField(
        max_length=max_length(Client, "preferred_locale"), required=False, allow_blank=True
    )
    metadata = serializers.DictField(
        required=False,
        help_text='merged: given keys replace, null or "" removes a key, absent keys stay',
    )
