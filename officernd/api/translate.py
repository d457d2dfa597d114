"""OfficeRnD booking JSON ↔ the v3 wire shape (seed 001's field names), and nothing else:
no booking rule lives here. Input is parsed and bounded into a typed `BookingInput`, then
written as the v3 body the v3 API would send to the same services; output is built from
the v3 record (the bridge's `Record`).

| OfficeRnD | v3 / model |
|---|---|
| `start.dateTime`, `end.dateTime` | `start_at`, `end_at` |
| `resourceId` | the rental id |
| `member` (or `team` when no member) | `client_id` |
| `tentative: true` | `tentative_expires_at` = the start (the hold lapses at its start) |
| `tentative: false` / absent | `booked: true` |
| `canceled` (read-only) | status Canceled (`DELETE` cancels) |
| `source` | `source` |
| `serviceSlots.before` / `.after` | `buffer_before` / `buffer_after` (minutes) |
| `recurrence.rrule` | the series' rule (bookings/recurrence.py) |
| `free`, `summary`, `description` | the booking's fields of the same names |
| `visitors`, `members` | the booking's lists of client ids |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bookings.inputs import max_length
from bookings.models import Booking
from core.timefmt import utc_text
from core.timeparse import parse_instant

MAX_ID = 2**63 - 1
MAX_LIST = 100  # DESIGN §15: lists in a body
MAX_BATCH = 100  # bookings in one POST
MAX_BUFFER_MINUTES = 10080
# The booking columns' own limits (written once, on the model).
SUMMARY_MAX_LENGTH = max_length(Booking, "summary")
DESCRIPTION_MAX_LENGTH = max_length(Booking, "description")
ON_CONFLICT = ("fail", "skip")

# v3 field → OfficeRnD field, for messages coming back from the services.
FIELD_NAMES = {
    "start_at": "start.dateTime",
    "end_at": "end.dateTime",
    "client_id": "member",
    "rental_id": "resourceId",
    "tentative_expires_at": "tentative",
    "status": "canceled",  # the one status error OfficeRnD input can meet: a canceled booking
    "booked": "tentative",
    "recurrence": "recurrence.rrule",
}


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "¹" or "٣", which int() refuses."""
    return text.isascii() and text.isdigit()


def officernd_field(v3_field: str) -> str:
    return FIELD_NAMES.get(v3_field, v3_field)


class TranslationError(Exception):
    """A field of the OfficeRnD body is malformed; `problems` is `[(field, message)]`."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems))


@dataclass(frozen=True)
class BookingInput:
    """One OfficeRnD booking body, parsed. `given` names the fields present (PUT changes
    only those); an absent field is None (or empty)."""

    given: frozenset[str]
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    rental_id: int | None = None
    member_id: int | None = None
    team_id: int | None = None
    tentative: bool | None = None
    free: bool | None = None
    source: Any = None  # passed on as is: the v3 service bounds it
    summary: str | None = None
    description: str | None = None
    buffer_before: int | None = None
    buffer_after: int | None = None
    visitor_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = ()
    rrule: str | None = None
    on_conflict: str = "fail"

    @property
    def client_id(self) -> int | None:
        """The one client the model stores: the member, else the team."""
        return self.member_id if self.member_id is not None else self.team_id

    def referenced_client_ids(self) -> set[int]:
        ids = {self.member_id, self.team_id, *self.visitor_ids, *self.member_ids}
        return {value for value in ids if value is not None}


# --- input ----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: Mapping[str, Any], prefix: str = ""):
        self.data = data
        self.prefix = prefix
        self.problems: list[tuple[str, str]] = []

    def fail(self, name: str, message: str) -> None:
        self.problems.append((self.prefix + name, message))

    def id(self, name: str, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.fail(name, "must be an id")
            return None
        text = str(value).strip() if isinstance(value, (str, int)) else ""
        if not is_number(text) or len(text) > 19 or int(text) > MAX_ID or int(text) < 1:
            self.fail(name, "must be an id (a positive whole number, as a string or a number)")
            return None
        return int(text)

    def ids(self, name: str) -> tuple[int, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(name, "must be a list of ids")
            return ()
        if len(value) > MAX_LIST:
            self.fail(name, f"must have at most {MAX_LIST} items")
            return ()
        found = [self.id(f"{name}.{index}", item) for index, item in enumerate(value)]
        return tuple(dict.fromkeys(item for item in found if item is not None))

    def boolean(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
            return None
        return value

    def text(self, name: str, max_length: int) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or "\x00" in value:
            self.fail(name, "must be a string")
            return None
        if len(value) > max_length:
            self.fail(name, f"is too long (maximum is {max_length} characters)")
            return None
        return value

    def moment(self, name: str) -> dt.datetime | None:
        """`{"dateTime": "2027-01-09T09:00:00Z"}`: an instant with its offset."""
        value = self.data.get(name)
        if value is None:
            return None
        raw = value.get("dateTime") if isinstance(value, Mapping) else None
        if not isinstance(raw, str) or not raw.strip():
            self.fail(f"{name}.dateTime", "is required: an ISO 8601 date-time")
            return None
        try:
            parsed = parse_instant(raw[:100])
            if not isinstance(parsed, dt.datetime):
                self.fail(f"{name}.dateTime", "must be a date-time, not a date")
                return None
            return parsed.astimezone(dt.UTC)
        except ValueError as exc:
            self.fail(f"{name}.dateTime", str(exc))
        except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the last UTC instant
            self.fail(f"{name}.dateTime", "is out of range")
        return None

    def minutes(self, group: Mapping[str, Any], name: str) -> int | None:
        value = group.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"serviceSlots.{name}", "must be a number of minutes")
            return None
        if isinstance(value, float) and not value.is_integer():
            self.fail(f"serviceSlots.{name}", "must be a whole number of minutes")
            return None
        if not 0 <= value <= MAX_BUFFER_MINUTES:
            self.fail(f"serviceSlots.{name}", f"must be from 0 to {MAX_BUFFER_MINUTES} minutes")
            return None
        return int(value)


def booking_input(data: Any, *, creating: bool, index: int | None = None) -> BookingInput:
    """Parse one OfficeRnD booking body; raise TranslationError naming every bad field.

    On create `start`, `end`, `resourceId` and one of `member` / `team` are required (as
    in OfficeRnD). Read-only fields (`timezone`, `fees`, `canceled`, `createdAt`, …) and
    unknown fields are ignored, as the v3 API ignores them.
    """
    prefix = f"{index}." if index is not None else ""
    if not isinstance(data, Mapping):
        raise TranslationError([(prefix.rstrip("."), "must be a booking object")])
    read = _Reader(data, prefix)
    given = frozenset(key for key in data if data[key] is not None)

    start_at, end_at = read.moment("start"), read.moment("end")
    rental_id = read.id("resourceId", data.get("resourceId"))
    member_id = read.id("member", data.get("member"))
    team_id = read.id("team", data.get("team"))

    buffer_before = buffer_after = None
    slots = data.get("serviceSlots")
    if slots is not None:
        if isinstance(slots, Mapping):
            buffer_before = read.minutes(slots, "before")
            buffer_after = read.minutes(slots, "after")
        else:
            read.fail("serviceSlots", 'must be an object {"before": minutes, "after": minutes}')

    rrule = None
    recurrence = data.get("recurrence")
    if recurrence is not None:
        raw_rule = recurrence.get("rrule") if isinstance(recurrence, Mapping) else None
        if not isinstance(raw_rule, str) or not raw_rule.strip():
            read.fail("recurrence.rrule", 'is required: {"rrule": "FREQ=WEEKLY;COUNT=10"}')
        elif not creating:
            read.fail("recurrence", "can be given only when creating a booking")
        else:
            rrule = raw_rule
    on_conflict = data.get("on_conflict", "fail")
    if on_conflict not in ON_CONFLICT:
        read.fail("on_conflict", "must be fail or skip")
        on_conflict = "fail"

    parsed = BookingInput(
        given=given,
        start_at=start_at,
        end_at=end_at,
        rental_id=rental_id,
        member_id=member_id,
        team_id=team_id,
        tentative=read.boolean("tentative"),
        free=read.boolean("free"),
        source=data.get("source"),
        summary=read.text("summary", SUMMARY_MAX_LENGTH),
        description=read.text("description", DESCRIPTION_MAX_LENGTH),
        buffer_before=buffer_before,
        buffer_after=buffer_after,
        visitor_ids=read.ids("visitors"),
        member_ids=read.ids("members"),
        rrule=rrule,
        on_conflict=on_conflict,
    )
    if creating:
        failed = {name for name, _ in read.problems}
        for name, value in (
            ("start.dateTime", start_at),
            ("end.dateTime", end_at),
            ("resourceId", rental_id),
        ):
            if value is None and prefix + name not in failed:
                read.fail(name, "is required")
        if (
            member_id is None
            and team_id is None
            and not {prefix + "member", prefix + "team"} & failed
        ):
            read.fail("member", "member or team is required")
    if start_at and end_at and start_at >= end_at:
        read.fail("end.dateTime", "must be after start.dateTime")
    if read.problems:
        raise TranslationError(read.problems)
    return parsed


def batch_input(data: Any) -> list[BookingInput]:
    """`POST /bookings` takes one booking or an array of them (at most MAX_BATCH)."""
    if isinstance(data, list):
        if not data:
            raise TranslationError([("", "give at least one booking")])
        if len(data) > MAX_BATCH:
            raise TranslationError([("", f"at most {MAX_BATCH} bookings per request")])
        problems: list[tuple[str, str]] = []
        parsed = []
        for index, item in enumerate(data):
            try:
                parsed.append(booking_input(item, creating=True, index=index))
            except TranslationError as exc:
                problems += exc.problems
        if problems:
            raise TranslationError(problems)
        return parsed
    return [booking_input(data, creating=True)]


def v3_body(
    booking: BookingInput,
    *,
    start_at: dt.datetime | None = None,
    end_at: dt.datetime | None = None,
    current_status: str | None = None,
    current_start: dt.datetime | None = None,
) -> dict[str, Any]:
    """The v3 booking body for these values (what `POST /api/v3/rentals/{id}/bookings` or
    `PUT /api/v3/bookings/{id}` would carry). `start_at`/`end_at` override the body's (an
    occurrence of a series); `current_*` describe the booking being updated (None on
    create).

    `tentative` is a status change only where it changes something: `true` holds the
    booking until its start, `false` confirms a Tentative booking (and leaves a Booked or
    Unavailable one as it is, so echoing a read record back changes nothing).
    """
    body: dict[str, Any] = {}
    start_at = start_at or booking.start_at
    end_at = end_at or booking.end_at
    if start_at is not None:
        body["start_at"] = utc_text(start_at)
    if end_at is not None:
        body["end_at"] = utc_text(end_at)
    if {"member", "team"} & booking.given:
        body["client_id"] = booking.client_id
    if "source" in booking.given:
        body["source"] = booking.source
    for name in ("buffer_before", "buffer_after"):
        minutes = getattr(booking, name)
        if minutes is not None:
            body[name] = minutes
    for name in ("free", "summary", "description"):
        if name in booking.given:
            body[name] = getattr(booking, name)
    if "visitors" in booking.given:
        body["visitors"] = list(booking.visitor_ids)
    if "members" in booking.given:
        body["members"] = list(booking.member_ids)
    if current_status is None:  # creating
        if booking.tentative:
            body["tentative_expires_at"] = utc_text(start_at) if start_at else None
        else:
            body["booked"] = True
    elif current_status == "Tentative":
        if booking.tentative is False:
            body["booked"] = True
        elif start_at is not None:  # a moved hold still lapses at its (new) start
            body["tentative_expires_at"] = utc_text(start_at)
    elif booking.tentative:
        hold_until = start_at or current_start
        body["tentative_expires_at"] = utc_text(hold_until) if hold_until else None
    return body


# --- output ---------------------------------------------------------------------------------


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def booking_output(
    record: Mapping[str, Any],
    *,
    timezone: str,
    local_date: dt.date,
    source: str,
    created_by: str | None,
    modified_by: str | None,
    rrule: str | None = None,
) -> dict[str, Any]:
    """An OfficeRnD booking from a v3 record. A record in the restricted field set (a
    `public` token reading another application's booking) gives the same subset here."""
    links = record.get("links", {})
    status = record["status"]
    out: dict[str, Any] = {
        "_id": _id(record["id"]),
        "id": _id(record["id"]),
        "reference": record["reference"],
        "start": {"dateTime": record["start_at"]},
        "end": {"dateTime": record["end_at"]},
        "timezone": timezone,
        "resourceId": _id(links.get("rental")),
        "tentative": status == "Tentative",
        "canceled": status == "Canceled",
        "modifiedAt": record["updated_at"],
    }
    if "created_at" not in record:
        return out
    fees = record.get("bookings_fees", [])
    out.update(
        {
            "source": source or None,
            "summary": record.get("summary") or None,
            "description": record.get("description") or None,
            "member": _id(links.get("client")),
            "team": None,
            "members": [_id(value) for value in record.get("members", [])],
            "visitors": [_id(value) for value in record.get("visitors", [])],
            "free": bool(record.get("free", False)),
            "serviceSlots": {
                "before": record.get("buffer_before", 0),
                "after": record.get("buffer_after", 0),
            },
            "recurrence": {"rrule": rrule} if rrule else None,
            "extras": {},
            "fees": [
                {
                    "date": local_date.isoformat(),
                    "fee": None
                    if record.get("final_rental_price") is None
                    else {
                        "name": "Booking",
                        "price": record["final_rental_price"],
                        "currency": record.get("currency") or None,
                    },
                    "credits": [],
                    "extraFees": [
                        {
                            "_id": _id(fee["id"]),
                            "name": fee["name"].get("en", ""),
                            "price": fee["price"],
                            "quantity": fee["times_booked"],
                        }
                        for fee in fees
                    ],
                }
            ],
            "createdAt": record["created_at"],
            "createdBy": created_by,
            "modifiedBy": modified_by,
        }
    )
    return out
