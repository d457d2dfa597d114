"""Reads of bookings, clients and a booking's fees, taxes and comments, always within one
account, with one `now` per request so that an expired hold reads as canceled everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from bookings.models import (
    Booking,
    BookingComment,
    BookingFee,
    BookingQuerySet,
    BookingSeries,
    BookingTax,
    Client,
)
from rentals.models import Rental

LIVE_STATUSES = (Booking.Status.BOOKED, Booking.Status.UNAVAILABLE, Booking.Status.TENTATIVE)


def bookings_visible(*, account_id: int, now: dt.datetime, full_access: bool) -> BookingQuerySet:
    """What a token may read: everything of its account with bookings_read/bookings_write;
    otherwise (public, bookings_write_owned) only bookings not over and not canceled."""
    bookings = Booking.objects.for_account(account_id)
    if not full_access:
        bookings = bookings.blocking(now).filter(end_at__gt=now)
    return bookings


def bookings_search(
    bookings: BookingQuerySet,
    *,
    now: dt.datetime,
    start_from: dt.datetime | None = None,
    until: dt.datetime | None = None,
    months: int | None = None,
    statuses: Sequence[str] = (),
    include_canceled: bool = False,
    rental_ids: Sequence[int] = (),
    client_ids: Sequence[int] = (),
    booking_ids: Sequence[int] | None = None,
    external_references: Sequence[str] = (),
    updated_since: dt.datetime | None = None,
) -> QuerySet[Booking]:
    """The search of `GET /api/v3/bookings` (DESIGN §4), deterministically ordered.

    Without `updated_since`: bookings ending after `start_from` (default now), of the
    given statuses (default all live ones), canceled ones only with `include_canceled`;
    ordered by start. With it: bookings updated after it, any status unless `statuses`
    narrows them, ordered by update — the order a sync client walks.
    """
    if updated_since is None:
        bookings = bookings.ending_after(start_from or now)
    else:
        bookings = bookings.filter(updated_at__gt=updated_since)
        if start_from is not None:
            bookings = bookings.filter(end_at__gt=start_from)
    if until is not None:
        bookings = bookings.filter(start_at__lt=until)
    if months is not None:
        bookings = bookings.filter(start_at__lt=(start_from or now) + relativedelta(months=months))
    if statuses or updated_since is None:
        wanted = list(statuses or LIVE_STATUSES)
        if include_canceled:
            wanted.append(Booking.Status.CANCELED)
        bookings = bookings.with_status(wanted, now)
    if rental_ids:
        bookings = bookings.filter(rental_id__in=rental_ids)
    if client_ids:
        bookings = bookings.filter(client_id__in=client_ids)
    if booking_ids is not None:
        bookings = bookings.filter(pk__in=booking_ids)
    if external_references:
        bookings = bookings.filter(external_reference__in=external_references)
    order = ("updated_at", "id") if updated_since is not None else ("start_at", "id")
    return bookings.order_by(*order)


def booking_ids_canceled_since(
    *,
    account_id: int,
    since: dt.datetime,
    now: dt.datetime,
    rental_ids: Sequence[int] = (),
    client_ids: Sequence[int] = (),
    full_access: bool = True,
) -> list[int]:
    """Ids of bookings canceled after `since`: by a write or the sweep (whose rows were
    updated no earlier than canceled), or holds that expired since and await the sweep.

    Without `full_access` (public, bookings_write_owned: future bookings only) just the
    ids the token could have seen: bookings not yet over when they were canceled.
    """
    canceled = Q(status=Booking.Status.CANCELED, updated_at__gt=since, canceled_at__gt=since)
    expired = Q(
        status=Booking.Status.TENTATIVE,
        tentative_expires_at__gt=since,
        tentative_expires_at__lte=now,
    )
    if not full_access:
        canceled &= Q(end_at__gt=F("canceled_at"))
        expired &= Q(end_at__gt=F("tentative_expires_at"))
    bookings = Booking.objects.for_account(account_id).filter(canceled | expired)
    if rental_ids:
        bookings = bookings.filter(rental_id__in=rental_ids)
    if client_ids:
        bookings = bookings.filter(client_id__in=client_ids)
    return list(bookings.order_by("id").values_list("id", flat=True))


def with_api_relations(
    bookings: QuerySet[Booking], *, full_comments: bool = False
) -> QuerySet[Booking]:
    """Everything a booking record shows, in a constant number of queries per page."""
    comments = BookingComment.objects.order_by("id")
    if not full_comments:
        comments = comments.only("id", "booking_id")
    # Plain lists (to_attr): a prefetched *manager* costs a queryset clone per booking
    # and relation — 300 per page, a third of the list's CPU time (bench, pyinstrument).
    return bookings.select_related("rental").prefetch_related(
        Prefetch("bookings_fees", queryset=BookingFee.objects.order_by("id"), to_attr="api_fees"),
        Prefetch("bookings_taxes", queryset=BookingTax.objects.order_by("id"), to_attr="api_taxes"),
        Prefetch("booking_comments", queryset=comments, to_attr="api_comments"),
    )


def with_embedded_rows(
    bookings: QuerySet[Booking], *, include: frozenset[str] = frozenset()
) -> QuerySet[Booking]:
    """The API's bookings with only the related rows their records embed in full
    (`include`; a fee's record needs the taxes' rows too). The ids every record links
    are read afterwards for the whole page by `attach_link_ids`, in one query instead of
    three prefetches."""
    prefetches: list[Prefetch[Any]] = []
    if "bookings_fees" in include:
        prefetches.append(
            Prefetch(
                "bookings_fees", queryset=BookingFee.objects.order_by("id"), to_attr="api_fees"
            )
        )
    if include & {"bookings_fees", "bookings_taxes"}:
        prefetches.append(
            Prefetch(
                "bookings_taxes", queryset=BookingTax.objects.order_by("id"), to_attr="api_taxes"
            )
        )
    if "booking_comments" in include:
        prefetches.append(
            Prefetch(
                "booking_comments",
                queryset=BookingComment.objects.order_by("id"),
                to_attr="api_comments",
            )
        )
    # A record reads one column of its rental (balance_due_days, for balance_due_at): it
    # comes as a column of the page query, so no Rental instance is built per booking (a
    # select_related of the rental was a fifth of a 100-record page's Python). A
    # correlated subquery, not a join: the page's COUNT drops it and stays an index-only
    # scan. Written as SQL (table names from the models) because the ORM's Subquery cost
    # more to build and compile per request than the whole subquery costs to run. A
    # record that came to read another rental column would cost a query per booking,
    # which the list's query-count tests catch (tests/api/test_pagination.py).
    balance_due_days = RawSQL(  # noqa: S611 (no value in it: names from the models)
        RENTAL_BALANCE_DUE_DAYS, [], output_field=Rental._meta.get_field("balance_due_days")
    )
    return bookings.annotate(rental_balance_due_days=balance_due_days).prefetch_related(*prefetches)


RENTAL_BALANCE_DUE_DAYS = (
    f"SELECT balance_due_days FROM {Rental._meta.db_table} "  # noqa: S608
    f"WHERE id = {Booking._meta.db_table}.rental_id"
)


# The relations a record links by id: attribute of the ids, of the rows when prefetched
# in full (with_embedded_rows), and the model.
LINKED = (
    ("api_fee_ids", "api_fees", BookingFee),
    ("api_tax_ids", "api_taxes", BookingTax),
    ("api_comment_ids", "api_comments", BookingComment),
)


def attach_link_ids(bookings: Sequence[Booking]) -> None:
    """Set the ids of each booking's fees, taxes, comments and payment shares on it
    (`api_fee_ids`, `api_tax_ids`, `api_comment_ids`, `api_payment_share_ids`) in one
    UNION ALL statement for the whole page.

    Relations already prefetched in full are not read again; payment shares only for the
    bookings whose `bookings_payments_count` (kept on the row in the payment's
    transaction) says they have any, so most pages read no payments table, and a page
    with nothing left to read sends no statement.
    """
    from payments.models import BookingsPayment, Payment

    if not bookings:
        return
    attributes = [ids for ids, _, _ in LINKED] + ["api_payment_share_ids"]
    for booking in bookings:
        for attribute in attributes:
            setattr(booking, attribute, [])
    booking_ids = [booking.pk for booking in bookings]
    in_list = ", ".join(["%s"] * len(booking_ids))
    parts: list[str] = []
    params: list[Any] = []
    for kind, (ids_attribute, rows_attribute, model) in enumerate(LINKED):
        if all(hasattr(booking, rows_attribute) for booking in bookings):
            for booking in bookings:
                setattr(
                    booking, ids_attribute, [row.pk for row in getattr(booking, rows_attribute)]
                )
            continue
        # Table names from the models, values as parameters.
        parts.append(
            f"SELECT booking_id, id, {kind} FROM {model._meta.db_table} "  # noqa: S608
            f"WHERE booking_id IN ({in_list})"
        )
        params.extend(booking_ids)
    paying = [booking.pk for booking in bookings if booking.bookings_payments_count]
    if paying:
        # The shares bookings_payments_count counts: those of payments not canceled.
        parts.append(
            f"SELECT s.booking_id, s.id, {len(LINKED)} FROM {BookingsPayment._meta.db_table} s "  # noqa: S608
            f"JOIN {Payment._meta.db_table} p ON p.id = s.payment_id "
            f"WHERE p.canceled_at IS NULL AND s.booking_id IN ({', '.join(['%s'] * len(paying))})"
        )
        params.extend(paying)
    if not parts:
        return
    by_id = {booking.pk: booking for booking in bookings}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 2", params)
        for booking_id, pk, kind in cursor.fetchall():
            getattr(by_id[booking_id], attributes[kind]).append(pk)


def bookings_fees_for_account(account_id: int) -> QuerySet[BookingFee]:
    return (
        BookingFee.objects.filter(account_id=account_id)
        .prefetch_related(
            Prefetch("taxes", queryset=BookingTax.objects.only("id", "bookings_fee_id"))
        )
        .order_by("id")
    )


def bookings_taxes_for_account(account_id: int) -> QuerySet[BookingTax]:
    return (
        BookingTax.objects.filter(account_id=account_id)
        .annotate(booking_rental_id=F("booking__rental_id"))
        .order_by("id")
    )


def booking_comments_for_account(account_id: int) -> QuerySet[BookingComment]:
    return BookingComment.objects.filter(account_id=account_id).order_by("id")


def clients_for_account(account_id: int) -> QuerySet[Client]:
    return Client.objects.filter(account_id=account_id).order_by("id")


def booking_series_for_account(account_id: int) -> QuerySet[BookingSeries]:
    """An account's series, each with its occurrences' ids in order (one prefetch)."""
    return (
        BookingSeries.objects.filter(account_id=account_id)
        .prefetch_related(
            Prefetch(
                "bookings",
                queryset=Booking.objects.only("id", "series_id").order_by("start_at", "id"),
            )
        )
        .order_by("id")
    )
