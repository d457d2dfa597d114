"""The OfficeRnD API's one door into the booking domain: every call into bookings
(services, selectors, serializers) is here, so the API follows the domain's signatures
in one place. No rule is written here: the bodies handed on are the v3 ones
(officernd/api/translate.py builds them) and the services judge them, as for the v3 API.

What is handed on (DESIGN §9):
- `serviceSlots.before/after` → the booking's `buffer_before` / `buffer_after`;
- `free`, `summary`, `description`, `visitors`, `members` → the booking's fields of the
  same names (the service applies "a free booking has no fees and zero prices" and
  checks that visitors and members are clients of the account);
- `recurrence.rrule` and `on_conflict` → `services.booking_series_create` (one series
  row, every occurrence in one transaction under the rental lock); reads give the
  series' `recurrence` back;
- `createdBy` / `modifiedBy` ← the booking's `created_by` / `updated_by` actors.
`team` is the booking's client when no `member` is given; with a member it is only
checked to be a client of the account (the model stores one client).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import transaction

from bookings import selectors, services
from bookings.api.serializers import BookingSerializer
from bookings.inputs import SeriesInput, booking_input_from_wire
from bookings.models import Booking, BookingSeries
from core import scopes
from core.authentication import ApiClient
from core.errors import Forbidden, NotFound, ValidationFailed
from core.exceptions import ScopeRequired
from officernd.api.translate import BookingInput, officernd_field, v3_body
from rentals.models import Rental
from rentals.selectors import rentals_for_account


@dataclass(frozen=True)
class Record:
    """A booking as the caller may see it: its v3 record and what the OfficeRnD shape
    adds (the rental's time zone, the local date of the occurrence, the actors)."""

    v3: dict[str, Any]
    timezone: str
    local_date: dt.date
    source: str
    created_by: str | None
    modified_by: str | None
    rrule: str | None = None


def _full_access(client: ApiClient) -> bool:
    return client.has_scope(scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE)


def _visible(client: ApiClient, now: dt.datetime):
    return selectors.bookings_visible(
        account_id=client.account_id, now=now, full_access=_full_access(client)
    )


def _records(bookings: Iterable[Booking], *, client: ApiClient, now: dt.datetime) -> list[Record]:
    bookings = list(bookings)
    context = {
        "now": now,
        "view": SimpleNamespace(client=client),  # the serializer asks the view who calls
        "full_access": _full_access(client),
        "include": frozenset({"bookings_fees"}),
    }
    records = BookingSerializer(bookings, many=True, context=context).data
    series_ids = {booking.series_id for booking in bookings if booking.series_id}
    rules = (
        dict(BookingSeries.objects.filter(pk__in=series_ids).values_list("pk", "rrule"))
        if series_ids
        else {}
    )
    result = []
    for booking, record in zip(bookings, records, strict=True):
        result.append(
            Record(
                v3=dict(record),
                timezone=booking.rental.timezone,
                local_date=booking.start_at.astimezone(booking.rental.tzinfo).date(),
                source=booking.source,
                created_by=_actor_name(booking.created_by),
                modified_by=_actor_name(booking.updated_by),
                rrule=rules.get(booking.series_id) if booking.series_id else None,
            )
        )
    return result


def _actor_name(actor: dict[str, Any] | None) -> str | None:
    """An event-log actor as OfficeRnD's createdBy / modifiedBy: "application-17",
    "user-3" or "system"."""
    if not actor:
        return None
    if actor.get("type") in ("application", "user") and actor.get("id") is not None:
        return f"{actor['type']}-{actor['id']}"
    return "system"


def _fresh(booking_ids: Sequence[int], *, client: ApiClient, now: dt.datetime) -> list[Record]:
    bookings = selectors.with_api_relations(
        Booking.objects.for_account(client.account_id).filter(pk__in=booking_ids)
    ).order_by("start_at", "id")
    return _records(bookings, client=client, now=now)


# --- reads ----------------------------------------------------------------------------------


def bookings_page(
    *,
    client: ApiClient,
    now: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime | None,
    rental_ids: Sequence[int],
    client_ids: Sequence[int],
    include_canceled: bool,
    offset: int,
    limit: int,
) -> tuple[list[Record], bool]:
    """A page of the search, and whether another page follows."""
    bookings = selectors.bookings_search(
        _visible(client, now),
        now=now,
        start_from=start,
        until=end,
        rental_ids=rental_ids,
        client_ids=client_ids,
        include_canceled=include_canceled,
    )
    page = list(selectors.with_api_relations(bookings)[offset : offset + limit + 1])
    return _records(page[:limit], client=client, now=now), len(page) > limit


def occurrences(
    *,
    client: ApiClient,
    now: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    rental_ids: Sequence[int],
    client_ids: Sequence[int],
    offset: int,
    limit: int,
) -> tuple[list[Record], bool]:
    """Live bookings overlapping `[start, end)`, by start, a page of them, and whether
    another page follows. A series is stored as its occurrences, so these are the series
    expanded."""
    bookings = selectors.bookings_search(
        _visible(client, now),
        now=now,
        start_from=start,
        until=end,
        rental_ids=rental_ids,
        client_ids=client_ids,
    )
    page = list(selectors.with_api_relations(bookings)[offset : offset + limit + 1])
    return _records(page[:limit], client=client, now=now), len(page) > limit


def booking_get(*, client: ApiClient, now: dt.datetime, booking_id: int) -> Record:
    booking = selectors.with_api_relations(_visible(client, now).filter(pk=booking_id)).first()
    if booking is None:
        raise NotFound({"id": ["not found"]})
    return _records([booking], client=client, now=now)[0]


# --- writes ---------------------------------------------------------------------------------


def _rental(client: ApiClient, rental_id: int | None) -> Rental:
    rental = (
        rentals_for_account(client.account_id).filter(pk=rental_id).first()
        if rental_id is not None
        else None
    )
    if rental is None:
        raise ValidationFailed({"rental_id": ["no such resource"]})
    return rental


def _check_team(client: ApiClient, booking: BookingInput) -> None:
    """`team` given beside `member` is not stored; it must still name a client of the
    account (member, visitors and members are checked by the service)."""
    if booking.member_id is None or booking.team_id is None:
        return
    if not selectors.clients_for_account(client.account_id).filter(pk=booking.team_id).exists():
        raise ValidationFailed({"team": [f"no such member: {booking.team_id}"]})


def _create_one(
    client: ApiClient, booking: BookingInput, *, now: dt.datetime, skipped: list[dict[str, str]]
) -> list[int]:
    """One booking, or every occurrence of its series (`booking_series_create`: one
    lock, one overlap query, bulk writes), inside the caller's transaction."""
    rental = _rental(client, booking.rental_id)
    _check_team(client, booking)
    writer: dict[str, Any] = {
        "rental": rental,
        "booking_input": booking_input_from_wire(v3_body(booking), creating=True, nested=True),
        "application_id": client.application_id,
        # Without bookings_write the booking is locked to the application creating it.
        "lock_to_application": not client.has_scope(scopes.BOOKINGS_WRITE),
        "author": f"application-{client.application_id}",
        "now": now,
    }
    if booking.rrule is None:
        return [services.booking_create(**writer).pk]
    created = services.booking_series_create(
        series_input=SeriesInput(
            rrule=booking.rrule,
            on_conflict=booking.on_conflict,
            holds_follow_occurrences=True,  # `tentative`: each hold lapses at its start
        ),
        **writer,
    )
    skipped += created.skipped
    return [row.pk for row in created.bookings]


def bookings_create(
    *, client: ApiClient, now: dt.datetime, bookings: Sequence[BookingInput]
) -> tuple[list[Record], list[dict[str, str]]]:
    """Create every booking given (and every occurrence of each series) in one
    transaction: any failure creates nothing. Returns what was created, by start, and
    the occurrences skipped by `on_conflict: "skip"`."""
    skipped: list[dict[str, str]] = []
    created: list[int] = []
    with transaction.atomic():
        for index, booking in enumerate(bookings):
            try:
                created += _create_one(client, booking, now=now, skipped=skipped)
            except (ValidationFailed, Forbidden) as exc:
                if len(bookings) == 1:
                    raise
                # Name the booking of the array at fault: "1.start.dateTime: …".
                named = {
                    f"{index}.{officernd_field(name)}": texts for name, texts in exc.errors.items()
                }
                error_type = Forbidden if isinstance(exc, Forbidden) else ValidationFailed
                raise error_type(named) from exc
    return _fresh(created, client=client, now=now), skipped


def _writable(client: ApiClient, booking_id: int) -> Booking:
    """The booking to change: 404 outside the account; 403 when only
    bookings_write_owned is held and another application created it (as in v3)."""
    booking = (
        Booking.objects.for_account(client.account_id)
        .select_related("rental")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound({"id": ["not found"]})
    if not client.has_scope(scopes.BOOKINGS_WRITE) and (
        booking.application_id != client.application_id
    ):
        raise ScopeRequired(scopes.BOOKINGS_WRITE)
    return booking


def booking_update(
    *, client: ApiClient, now: dt.datetime, booking_id: int, booking: BookingInput
) -> Record:
    current = _writable(client, booking_id)
    if booking.rental_id is not None and booking.rental_id != current.rental_id:
        raise ValidationFailed({"rental_id": ["a booking cannot move to another resource"]})
    _check_team(client, booking)
    data = v3_body(
        booking,
        current_status=Booking.Status(current.status_at(now)).label,
        current_start=current.start_at,
    )
    services.booking_update(
        booking=current,
        booking_input=booking_input_from_wire(data, creating=False),
        application_id=client.application_id,
        now=now,
    )
    return _fresh([current.pk], client=client, now=now)[0]


def booking_cancel(*, client: ApiClient, now: dt.datetime, booking_id: int) -> None:
    services.booking_cancel(
        booking=_writable(client, booking_id), application_id=client.application_id, now=now
    )
