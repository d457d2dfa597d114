"""Random sequences of booking writes, sweeps and clock ticks never break the overlap rule.

A hypothesis state machine drives the services with an explicit clock and keeps its own
model of every booking (stored status, period, buffers, hold expiry). Steps create single
bookings (with buffers) and recurring series (DESIGN §9, on_conflict fail or skip),
update, cancel, sweep and tick the clock. After every step it checks:
1. an independent SQL read finds no two blocking bookings whose *occupied* periods
   (`[start − buffer_before, end + buffer_after)`) overlap on one rental (blocking =
   booked, unavailable, or tentative with an expiry after the clock);
2. no expired hold counts as blocking (or tentative) in the queryset verbs, and every
   expired hold reads as canceled;
3. the rows agree with the model, so a service that refused everything, or accepted an
   overlap the constraint then hid, would be caught too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Account
from bookings.errors import BookingOverlap, InvalidStatusChange
from bookings.inputs import SeriesInput, booking_input_from_wire
from bookings.models import Booking, reference_for
from bookings.services import booking_cancel, booking_series_create, tentative_bookings_expire
from core.errors import ValidationFailed
from rentals.models import Rental
from tests.domain.conftest import DAY0, iso
from tests.factories import booking_create, booking_update

SLOT = dt.timedelta(hours=6)  # periods start and end on 6-hour slots, so stays often touch
START_CLOCK = DAY0 - dt.timedelta(days=1)
RENTALS = 2

kinds = st.one_of(
    st.sampled_from(["booked", "unavailable"]),
    st.integers(min_value=1, max_value=12).map(lambda hours: ("tentative", hours)),
)
periods = st.tuples(st.integers(0, 16), st.integers(1, 6))
buffers = st.sampled_from([0, 0, 180, 360])  # minutes: none, half a slot, a whole slot

# Every blocking row, read with plain SQL (no queryset verb): the invariant compares their
# occupied periods itself.
BLOCKING_ROWS_SQL = """
SELECT id, rental_id, start_at, end_at, buffer_before, buffer_after
FROM bookings_booking
WHERE status IN ('booked', 'unavailable')
   OR (status = 'tentative' AND tentative_expires_at > %s)
"""
EXPIRED_HOLDS_SQL = """
SELECT id FROM bookings_booking WHERE status = 'tentative' AND tentative_expires_at <= %s
"""


@dataclass
class Stay:
    """The model's view of one booking: what the row should hold."""

    rental: int
    start: dt.datetime
    end: dt.datetime
    status: str
    expires: dt.datetime | None = None
    before: int = 0  # buffer minutes
    after: int = 0

    def occupied(self) -> tuple[dt.datetime, dt.datetime]:
        return (
            self.start - dt.timedelta(minutes=self.before),
            self.end + dt.timedelta(minutes=self.after),
        )

    def expired(self, now: dt.datetime) -> bool:
        return self.status == "tentative" and self.expires <= now

    def blocking(self, now: dt.datetime) -> bool:
        return self.status in ("booked", "unavailable") or (
            self.status == "tentative" and self.expires > now
        )


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: examples start empty.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        account = Account.objects.create(name="Machine")
        self.rentals = [
            Rental.objects.create(account=account, name=f"Rental {i}") for i in range(RENTALS)
        ]
        self.now = START_CLOCK
        self.stays: dict[int, Stay] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the model -------------------------------------------------------------------

    def _period(self, period: tuple[int, int]) -> tuple[dt.datetime, dt.datetime]:
        start, length = period
        return DAY0 + start * SLOT, DAY0 + (start + length) * SLOT

    def _status_data(self, kind) -> tuple[dict, str, dt.datetime | None]:
        if kind == "booked":
            return {"booked": True}, "booked", None
        if kind == "unavailable":
            return {"unavailable": True}, "unavailable", None
        expires = self.now + dt.timedelta(hours=kind[1])
        return {"tentative_expires_at": iso(expires)}, "tentative", expires

    def _clashes(
        self, rental: int, start, end, exclude: int | None = None, before: int = 0, after: int = 0
    ) -> set[int]:
        """Blocking bookings whose occupied period meets `[start − before, end + after)`."""
        start, end = start - dt.timedelta(minutes=before), end + dt.timedelta(minutes=after)
        clashes = set()
        for pk, stay in self.stays.items():
            occupied_start, occupied_end = stay.occupied()
            if (
                pk != exclude
                and stay.rental == rental
                and stay.blocking(self.now)
                and occupied_start < end
                and start < occupied_end
            ):
                clashes.add(pk)
        return clashes

    def _release_expired_holds(
        self, rental: int, occupied: list[tuple[dt.datetime, dt.datetime]]
    ) -> None:
        """A write cancels the expired holds in the way of the periods it takes, no other."""
        for stay in self.stays.values():
            stay_start, stay_end = stay.occupied()
            if (
                stay.rental == rental
                and stay.expired(self.now)
                and any(start < stay_end and stay_start < end for start, end in occupied)
            ):
                stay.status = "canceled"

    def _pick(self, index: int) -> tuple[int, Stay]:
        pk = sorted(self.stays)[index % len(self.stays)]
        return pk, self.stays[pk]

    # --- rules -----------------------------------------------------------------------

    @rule(
        rental=st.integers(0, RENTALS - 1),
        period=periods,
        kind=kinds,
        before=buffers,
        after=buffers,
    )
    def create(self, rental, period, kind, before, after):
        self._create(rental, *self._period(period), kind, before, after)

    @precondition(lambda self: any(stay.expired(self.now) for stay in self.stays.values()))
    @rule(index=st.integers(0, 10**6), kind=kinds)
    def create_over_an_expired_hold(self, index, kind):
        """Random periods rarely land on an expired hold before the sweep; aim at one."""
        expired = sorted(pk for pk, stay in self.stays.items() if stay.expired(self.now))
        hold = self.stays[expired[index % len(expired)]]
        self._create(hold.rental, hold.start, hold.end, kind, 0, 0)

    def _create(self, rental, start, end, kind, before, after):
        status_data, status, expires = self._status_data(kind)
        clashes = self._clashes(rental, start, end, before=before, after=after)
        try:
            booking = booking_create(
                rental=self.rentals[rental],
                data={
                    "start_at": iso(start),
                    "end_at": iso(end),
                    "buffer_before": before,
                    "buffer_after": after,
                    **status_data,
                },
                now=self.now,
            )
        except BookingOverlap as exc:
            assert clashes, "a free period was refused"
            assert exc.errors["start_at"] in (
                [f"overlaps booking {reference_for(pk)}"]
                if self.stays[pk].start < end + dt.timedelta(minutes=after)
                and start - dt.timedelta(minutes=before) < self.stays[pk].end
                else [f"overlaps the preparation time of booking {reference_for(pk)}"]
                for pk in clashes
            )
            return
        assert not clashes, f"created over {clashes}"
        self._release_expired_holds(
            rental, [(start - dt.timedelta(minutes=before), end + dt.timedelta(minutes=after))]
        )
        self.stays[booking.pk] = Stay(rental, start, end, status, expires, before, after)

    @rule(
        rental=st.integers(0, RENTALS - 1),
        start=st.integers(0, 12),
        length=st.integers(1, 4),
        count=st.integers(2, 4),
        kind=kinds,
        after=buffers,
        on_conflict=st.sampled_from(["fail", "skip"]),
    )
    def create_series(self, rental, start, length, count, kind, after, on_conflict):
        """A daily series (the rentals are in UTC, so a day is 4 slots): all or nothing
        with fail; with skip, exactly the occurrences that meet nothing."""
        status_data, status, expires = self._status_data(kind)
        first_start, first_end = self._period((start, length))
        occurrences = [
            (first_start + dt.timedelta(days=day), first_end + dt.timedelta(days=day))
            for day in range(count)
        ]
        clashing = [bool(self._clashes(rental, s, e, after=after)) for s, e in occurrences]
        body = {
            "start_at": iso(first_start),
            "end_at": iso(first_end),
            "buffer_before": 0,
            "buffer_after": after,
            **status_data,
        }
        try:
            created = booking_series_create(
                rental=self.rentals[rental],
                booking_input=booking_input_from_wire(body, creating=True, nested=True),
                series_input=SeriesInput(
                    rrule=f"FREQ=DAILY;COUNT={count}", on_conflict=on_conflict
                ),
                now=self.now,
            )
        except ValidationFailed as exc:
            assert list(exc.errors) == ["recurrence"], exc.errors
            if "overlap each other" in exc.errors["recurrence"][0]:
                return  # a buffer longer than the gap between occurrences: refused whole
            assert any(clashing), "a free series was refused"
            assert on_conflict == "fail" or all(clashing)
            assert len(exc.errors["recurrence"]) == sum(clashing)
            return
        expected = [o for o, clash in zip(occurrences, clashing, strict=True) if not clash]
        assert on_conflict == "skip" or not any(clashing), "created over a conflict"
        assert [(b.start_at, b.end_at) for b in created.bookings] == expected
        self._release_expired_holds(
            rental, [(b.start_at, b.end_at + dt.timedelta(minutes=after)) for b in created.bookings]
        )
        for booking in created.bookings:
            self.stays[booking.pk] = Stay(
                rental, booking.start_at, booking.end_at, status, expires, 0, after
            )

    @precondition(lambda self: self.stays)
    @rule(index=st.integers(0, 10**6), period=st.none() | periods, kind=st.none() | kinds)
    def update(self, index, period, kind):
        pk, stay = self._pick(index)
        data: dict = {}
        start, end = stay.start, stay.end
        if period is not None:
            start, end = self._period(period)
            data.update(start_at=iso(start), end_at=iso(end))
        status, expires = stay.status, stay.expires
        if kind is not None:
            status_data, status, expires = self._status_data(kind)
            data.update(status_data)
        if not data:
            data["notes"] = "touched"
        was_canceled = stay.status == "canceled" or stay.expired(self.now)
        clashes = self._clashes(
            stay.rental, start, end, exclude=pk, before=stay.before, after=stay.after
        )
        try:
            booking_update(
                booking=Booking(
                    pk=pk,
                    account_id=self.rentals[stay.rental].account_id,
                    rental=self.rentals[stay.rental],
                ),
                data=data,
                now=self.now,
            )
        except InvalidStatusChange:
            assert was_canceled, "a live booking could not be updated"
            return
        except BookingOverlap:
            assert not was_canceled
            assert clashes, "a free period was refused"
            return
        assert not was_canceled, "a canceled booking was updated"
        assert not clashes, f"moved over {clashes}"
        self._release_expired_holds(
            stay.rental,
            [(start - dt.timedelta(minutes=stay.before), end + dt.timedelta(minutes=stay.after))],
        )
        stay.start, stay.end, stay.status, stay.expires = start, end, status, expires

    @precondition(lambda self: self.stays)
    @rule(index=st.integers(0, 10**6))
    def cancel(self, index):
        pk, stay = self._pick(index)
        booking_cancel(
            booking=Booking(
                pk=pk,
                account_id=self.rentals[stay.rental].account_id,
                rental=self.rentals[stay.rental],
            ),
            reason="other",
            now=self.now,
        )
        stay.status = "canceled"  # an expired hold too: canceled as it would be by the sweep

    @rule(batch_size=st.integers(1, 4))
    def sweep(self, batch_size):
        expected = [stay for stay in self.stays.values() if stay.expired(self.now)]
        assert tentative_bookings_expire(now=self.now, batch_size=batch_size) == len(expected)
        for stay in expected:
            stay.status = "canceled"

    @rule(minutes=st.sampled_from([0, 30, 60, 120, 300, 720]))
    def advance_clock(self, minutes):
        self.now += dt.timedelta(minutes=minutes)

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def no_two_blocking_occupied_periods_overlap(self):
        now = connection.ops.adapt_datetimefield_value(self.now)
        with connection.cursor() as cursor:
            cursor.execute(BLOCKING_ROWS_SQL, [now])
            rows = cursor.fetchall()
        occupied = []
        for pk, rental, start, end, before, after in rows:
            start, end = (
                value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
                for value in (start, end)
            )
            occupied.append(
                (
                    rental,
                    start - dt.timedelta(minutes=before),
                    end + dt.timedelta(minutes=after),
                    pk,
                )
            )
        occupied.sort()
        latest: dict[int, tuple[dt.datetime, int]] = {}  # per rental: the furthest end so far
        for rental, start, end, pk in occupied:
            if rental in latest:
                furthest, other = latest[rental]
                assert not start < furthest, f"bookings {other} and {pk} overlap"
            if rental not in latest or end > latest[rental][0]:
                latest[rental] = (end, pk)

    @invariant()
    def no_expired_hold_counts_as_blocking(self):
        with connection.cursor() as cursor:
            cursor.execute(EXPIRED_HOLDS_SQL, [connection.ops.adapt_datetimefield_value(self.now)])
            expired = {row[0] for row in cursor.fetchall()}
        bookings = Booking.objects.all()
        assert expired.isdisjoint(bookings.blocking(self.now).values_list("pk", flat=True))
        assert expired.isdisjoint(
            bookings.with_status(["tentative"], self.now).values_list("pk", flat=True)
        )
        assert expired <= set(bookings.canceled(self.now).values_list("pk", flat=True))
        assert expired == set(bookings.expired_holds(self.now).values_list("pk", flat=True))
        for booking in bookings.filter(pk__in=expired):
            assert booking.status_at(self.now) == Booking.Status.CANCELED

    @invariant()
    def the_rows_agree_with_the_model(self):
        rows = {booking.pk: booking for booking in Booking.objects.filter(rental__in=self.rentals)}
        assert rows.keys() == self.stays.keys()
        for pk, stay in self.stays.items():
            row = rows[pk]
            assert (row.rental_id, row.start_at, row.end_at) == (
                self.rentals[stay.rental].pk,
                stay.start,
                stay.end,
            )
            assert row.status == stay.status, f"booking {pk}"
            if stay.status == "tentative":
                assert row.tentative_expires_at == stay.expires


@pytest.mark.django_db
def test_random_booking_histories_never_overlap():
    run_state_machine_as_test(
        BookingMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
