"""Reads for the Overbooked API: resources (rentals) with their slot and booking counts."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from bookings.models import Booking
from rentals.models import Rental
from slots.models import Slot
from slots.selectors import slots_for_account


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of `queryset` (already filtered on OuterRef("pk")) as a subquery."""
    counted = queryset.order_by().values("rental_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def resources_for_account(account_id: int, now: dt.datetime) -> QuerySet[Rental]:
    """The account's rentals with `num_slots`, `num_available_slots`, `num_bookings`,
    `num_active_bookings` and `num_cancelled_bookings` (bookings of the rental)."""
    bookings = Booking.objects.filter(account_id=account_id, rental_id=OuterRef("pk"))
    return (
        Rental.objects.filter(account_id=account_id)
        .annotate(
            num_slots=_count(Slot.objects.filter(account_id=account_id, rental_id=OuterRef("pk"))),
            # `available` is an aggregate over the slot's bookings: count the slots it
            # selects, not the grouped rows themselves (one per slot).
            num_available_slots=_count(
                Slot.objects.filter(
                    rental_id=OuterRef("pk"),
                    pk__in=slots_for_account(account_id, now)
                    .filter(Q(available=True))
                    .values("pk"),
                )
            ),
            num_bookings=_count(bookings),
            num_active_bookings=_count(bookings.blocking(now)),
            num_cancelled_bookings=_count(bookings.canceled(now)),
        )
        .order_by("created_at", "id")
    )


def resource_by_public_id(account_id: int, public_id: uuid.UUID, now: dt.datetime) -> Rental | None:
    return resources_for_account(account_id, now).filter(public_id=public_id).first()
