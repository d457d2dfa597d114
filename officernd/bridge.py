"""The OfficeRnD API's one door into the booking domain: every call into bookings
(services, selectors, serializers, recurrence) is here, so the API follows the domain's
signatures in one place. No rule is written here: the bodies handed on are the v3 ones
(officernd/api/translate.py builds them) and the services judge them, as for the v3 API.

`serviceSlots.before/after` are the booking's `buffer_before` / `buffer_after`: handed
on in the v3 body, read back from the record.

What the model cannot store yet, and what to hand on once it can (DESIGN §9):
- `free` → `free` (today validated and dropped; reads show false; the v3 rule "a free
  booking has no fees and zero prices" will apply through the service);
- `summary` / `description` → `summary` / `description` (validated ≤ 255 / ≤ 6000;
  reads show null);
- `visitors` / `members` → the booking's visitor and member client ids (validated to be
  clients of the account; reads show []); `team` when `member` is also given;
- `recurrence.rrule` and `on_conflict` → the series: today each occurrence is created as
  its own booking, all in one transaction under the rental lock (below); the series row,
  `links.booking_series` and `recurrence` in reads wait for the series model;
- `createdBy` / `modifiedBy` → the booking's `created_by` / `updated_by` (today derived:
  the creating application, and the same for modifiedBy until the first change).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import transaction

from bookings import recurrence, selectors, services
from bookings.api.serializers import BookingSerializer
from bookings.errors import BookingOverlap
from bookings.inputs import booking_input_from_wire
from bookings.models import Booking
from core import scopes
from core.authentication import ApiClient
from core.errors import Forbidden, NotFound, ValidationFailed
from core.exceptions import ScopeRequired
from core.timefmt import utc_text
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
    result = []
    for booking, record in zip(bookings, records, strict=True):
        creator = f"application-{booking.application_id}" if booking.application_id else None
        result.append(
            Record(
                v3=dict(record),
                timezone=booking.rental.timezone,
                local_date=booking.start_at.astimezone(booking.rental.tzinfo).date(),
                source=booking.source,
                created_by=creator,
                modified_by=creator if booking.updated_at == booking.created_at else None,
            )
        )
    return result


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


def _check_clients(client: ApiClient, booking: BookingInput) -> None:
    """visitors, members and team name clients of the account (member is checked by the
    service, as v3's client_id)."""
    wanted = set(booking.visitor_ids) | set(booking.member_ids)
    if booking.member_id is not None and booking.team_id is not None:
        wanted.add(booking.team_id)
    if not wanted:
        return
    known = set(
        selectors.clients_for_account(client.account_id)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    errors: dict[str, list[str]] = {}
    for name, ids in (
        ("visitors", booking.visitor_ids),
        ("members", booking.member_ids),
        ("team", (booking.team_id,) if booking.member_id is not None else ()),
    ):
        missing = [str(value) for value in ids if value is not None and value not in known]
        if missing:
            errors[name] = [f"no such member: {', '.join(missing)}"]
    if errors:
        raise ValidationFailed(errors)


def _create_one(
    client: ApiClient, booking: BookingInput, *, now: dt.datetime, skipped: list[dict[str, str]]
) -> list[int]:
    """One booking, or every occurrence of its series, inside the caller's transaction.

    The first `booking_create` locks the rental row and the lock is held until the
    caller's transaction ends, so the whole series is checked and written under it. Each
    occurrence's own transaction is a savepoint: a conflicting occurrence rolls back
    alone, so every conflict can be named before the whole is given up (on_conflict
    "fail") or the conflicting ones are left out ("skip").
    """
    rental = _rental(client, booking.rental_id)
    _check_clients(client, booking)
    assert booking.start_at is not None and booking.end_at is not None  # required on create
    if booking.rrule is None:
        periods = [(booking.start_at, booking.end_at)]
    else:
        series = recurrence.expand(
            booking.rrule, start_at=booking.start_at, end_at=booking.end_at, tz=rental.tzinfo
        )
        periods = [(occurrence.start_at, occurrence.end_at) for occurrence in series]
    created: list[int] = []
    conflicts: list[str] = []
    for start_at, end_at in periods:
        try:
            row = services.booking_create(
                rental=rental,
                booking_input=booking_input_from_wire(
                    v3_body(booking, start_at=start_at, end_at=end_at), creating=True, nested=True
                ),
                application_id=client.application_id,
                # Without bookings_write the booking is locked to the application creating it.
                lock_to_application=not client.has_scope(scopes.BOOKINGS_WRITE),
                author=f"application-{client.application_id}",
                now=now,
            )
        except BookingOverlap as exc:
            if booking.rrule is None:
                raise
            local = start_at.astimezone(rental.tzinfo).strftime("%Y-%m-%d %H:%M")
            reason = "; ".join(text for texts in exc.errors.values() for text in texts)
            conflicts.append(f"{local}: {reason}")
            skipped.append({"start_at": utc_text(start_at), "conflict": reason})
            continue
        created.append(row.pk)
    if conflicts and booking.on_conflict == "fail":
        raise ValidationFailed({"recurrence": conflicts})
    return created


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
    _check_clients(client, booking)
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
