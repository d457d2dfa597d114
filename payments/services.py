"""Every write to payments (DESIGN §14), one transaction each, with its events.

A payment's shares go to bookings of the same account and currency and sum to at most
its amount. Each write then recomputes, for every booking whose shares it touched,
`paid_amount` and `bookings_payments_count` on the booking row (locked, in id order), so
reads need no aggregate; the booking's `updated_at` moves and a `booking_updated` event
names the change, so sync clients and webhooks see the new amounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from bookings.models import Booking
from core.errors import ValidationFailed
from events.actors import Actor
from events.models import Event
from events.services import EventSpec, changes_between, events_record
from payments.models import BookingsPayment, Payment

TEXT_FIELDS = (
    "transaction_id",
    "fullname",
    "email",
    "locale",
    "address1",
    "address2",
    "zip",
    "city",
    "state",
    "country_code",
    "notes",
)
_UNSET: Any = object()


@dataclass(frozen=True)
class Share:
    booking_id: int
    amount_in_cents: int


@dataclass(frozen=True)
class PaymentInput:
    """Parsed, bounded values (payments/api/serializers.py, the admin form). On update a
    field left _UNSET keeps its value; `shares` None keeps the shares."""

    amount_in_cents: int = _UNSET
    currency: str = _UNSET
    kind: str = _UNSET
    paid_at: dt.datetime = _UNSET
    transaction_id: str = _UNSET
    fullname: str = _UNSET
    email: str = _UNSET
    locale: str = _UNSET
    address1: str = _UNSET
    address2: str = _UNSET
    zip: str = _UNSET
    city: str = _UNSET
    state: str = _UNSET
    country_code: str = _UNSET
    notes: str = _UNSET
    shares: Sequence[Share] | None = field(default=None)

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "shares" and getattr(self, f.name) is not _UNSET
        }


def _check(payment: Payment, shares: Sequence[Share], bookings: dict[int, Booking], now) -> None:
    errors: dict[str, list[str]] = {}
    if payment.paid_at > now:
        errors.setdefault("paid_at", []).append("must not be in the future")
    if len({share.booking_id for share in shares}) != len(shares):
        errors.setdefault("bookings_payments", []).append("names a booking twice")
    for share in shares:
        booking = bookings.get(share.booking_id)
        if booking is None:
            errors.setdefault("bookings_payments", []).append(
                f"booking {share.booking_id} not found"
            )
        elif (booking.currency or booking.rental.currency) != payment.currency:
            errors.setdefault("bookings_payments", []).append(
                f"booking {share.booking_id} is in {booking.currency or booking.rental.currency}, "
                f"the payment in {payment.currency}"
            )
    if sum(share.amount_in_cents for share in shares) > payment.amount_in_cents:
        errors.setdefault("bookings_payments", []).append(
            "the shares sum to more than amount_in_cents"
        )
    if errors:
        raise ValidationFailed(errors)


def _lock_bookings(account_id: int, booking_ids: Iterable[int]) -> dict[int, Booking]:
    """The bookings, locked in id order (one order for every payment write: no deadlock)."""
    return {
        booking.pk: booking
        for booking in Booking.objects.select_for_update(of=("self",))
        .select_related("rental")
        .filter(account_id=account_id, pk__in=sorted(set(booking_ids)))
        .order_by("id")
    }


def _shares(account_id: int, **lookups: Any) -> QuerySet[BookingsPayment]:
    """Shares of the account: every statement on them names it, so a database sharded by
    account routes each to one shard (docs/scaling.md)."""
    return BookingsPayment.objects.filter(account_id=account_id, **lookups)


def _refresh_totals(
    account_id: int, bookings: dict[int, Booking], *, now: dt.datetime
) -> list[EventSpec]:
    """Recompute paid_amount and bookings_payments_count of `bookings` (locked)."""
    if not bookings:
        return []
    totals = {
        row["booking_id"]: row
        for row in _shares(
            account_id,
            booking_id__in=list(bookings),
            payment__account_id=account_id,
            payment__canceled_at__isnull=True,
        )
        .values("booking_id")
        .annotate(cents=Sum("amount_in_cents"), count=Count("id"))
    }
    specs = []
    for booking_id, booking in bookings.items():
        row = totals.get(booking_id, {})
        paid = (Decimal(row.get("cents") or 0) / 100).quantize(Decimal("0.01"))
        count = row.get("count") or 0
        if paid >= Decimal(10) ** 10:
            raise ValidationFailed(
                {"bookings_payments": [f"booking {booking_id} would be paid more than it can hold"]}
            )
        before = {
            "paid_amount": booking.paid_amount,
            "bookings_payments_count": booking.bookings_payments_count,
        }
        after = {"paid_amount": paid, "bookings_payments_count": count}
        changes = changes_between(before, after)
        if not changes:
            continue
        Booking.objects.filter(account_id=account_id, pk=booking_id).update(
            paid_amount=paid, bookings_payments_count=count, updated_at=now
        )
        specs.append(EventSpec(Event.Name.BOOKING_UPDATED, "booking", booking_id, changes))
    return specs


def _payment_values(payment: Payment) -> dict[str, Any]:
    return {
        name: getattr(payment, name)
        for name in ("amount_in_cents", "currency", "kind", "paid_at", *TEXT_FIELDS)
    }


def payment_create(
    *,
    account_id: int,
    data: PaymentInput,
    actor: Actor,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> Payment:
    now = now or timezone.now()
    values = data.given()
    missing = [
        name for name in ("amount_in_cents", "currency", "kind", "paid_at") if name not in values
    ]
    if missing:
        raise ValidationFailed({name: ["can't be blank"] for name in missing})
    shares = list(data.shares or [])
    with transaction.atomic():
        bookings = _lock_bookings(account_id, [share.booking_id for share in shares])
        payment = Payment(
            account_id=account_id,
            application_id=application_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        _check(payment, shares, bookings, now)
        payment.save()
        BookingsPayment.objects.bulk_create(
            BookingsPayment(
                account_id=account_id,
                payment=payment,
                booking_id=share.booking_id,
                amount_in_cents=share.amount_in_cents,
                created_at=now,
                updated_at=now,
            )
            for share in shares
        )
        specs = [EventSpec(Event.Name.PAYMENT_CREATED, "payment", payment.pk)]
        specs += _refresh_totals(account_id, bookings, now=now)
        events_record(account_id=account_id, actor=actor, occurred_at=now, specs=specs)
    return payment


def payment_update(
    *, payment: Payment, data: PaymentInput, actor: Actor, now: dt.datetime | None = None
) -> Payment:
    """Change the given fields; `data.shares`, when given, replaces the shares."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(
            account_id=payment.account_id, pk=payment.pk
        )
        if payment.canceled_at is not None:
            raise ValidationFailed({"canceled_at": ["a canceled payment cannot be updated"]})
        shares_of_payment = _shares(payment.account_id, payment_id=payment.pk)
        old_shares = list(shares_of_payment)
        shares = (
            list(data.shares)
            if data.shares is not None
            else [Share(s.booking_id, s.amount_in_cents) for s in old_shares]
        )
        touched = {s.booking_id for s in old_shares} | {s.booking_id for s in shares}
        bookings = _lock_bookings(payment.account_id, touched)
        before = _payment_values(payment)
        for name, value in data.given().items():
            setattr(payment, name, value)
        _check(payment, shares, bookings, now)
        payment.updated_at = now
        payment.save()
        if data.shares is not None:
            shares_of_payment.delete()
            BookingsPayment.objects.bulk_create(
                BookingsPayment(
                    account_id=payment.account_id,
                    payment=payment,
                    booking_id=share.booking_id,
                    amount_in_cents=share.amount_in_cents,
                    created_at=now,
                    updated_at=now,
                )
                for share in shares
            )
        changes = changes_between(before, _payment_values(payment))
        if data.shares is not None:
            old = sorted((s.booking_id, s.amount_in_cents) for s in old_shares)
            new = sorted((s.booking_id, s.amount_in_cents) for s in shares)
            if old != new:
                changes["bookings_payments"] = [
                    [{"booking_id": b, "amount_in_cents": a} for b, a in old],
                    [{"booking_id": b, "amount_in_cents": a} for b, a in new],
                ]
        specs = [EventSpec(Event.Name.PAYMENT_UPDATED, "payment", payment.pk, changes)]
        specs += _refresh_totals(payment.account_id, bookings, now=now)
        events_record(account_id=payment.account_id, actor=actor, occurred_at=now, specs=specs)
    return payment


def payment_cancel(*, payment: Payment, actor: Actor, now: dt.datetime | None = None) -> Payment:
    """Cancel: the row stays with `canceled_at`; its shares stop counting. Canceling a
    canceled payment changes nothing (a retried DELETE is harmless)."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(
            account_id=payment.account_id, pk=payment.pk
        )
        if payment.canceled_at is not None:
            return payment
        bookings = _lock_bookings(
            payment.account_id,
            _shares(payment.account_id, payment_id=payment.pk).values_list("booking_id", flat=True),
        )
        payment.canceled_at = now
        payment.updated_at = now
        payment.save(update_fields=["canceled_at", "updated_at"])
        specs = [
            EventSpec(
                Event.Name.PAYMENT_DESTROYED,
                "payment",
                payment.pk,
                changes_between({"canceled_at": None}, {"canceled_at": now}),
            )
        ]
        specs += _refresh_totals(payment.account_id, bookings, now=now)
        events_record(account_id=payment.account_id, actor=actor, occurred_at=now, specs=specs)
    return payment
