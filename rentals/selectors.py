"""Reads of rentals, always within one account."""

from __future__ import annotations

from django.db.models import QuerySet

from rentals.models import Rental


def rentals_for_account(account_id: int) -> QuerySet[Rental]:
    return Rental.objects.filter(account_id=account_id).order_by("id")
