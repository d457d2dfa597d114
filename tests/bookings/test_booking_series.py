"""bookings.services.booking_series_create and the OfficeRnD fields (DESIGN §9): a series
is written whole or not at all, at the first start's local wall-clock time, with every
rule of a single booking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import services
from bookings.inputs import SeriesInput, booking_input_from_wire, series_input_from_wire
from bookings.models import Booking, BookingFee, BookingSeries, BookingTax
from core.errors import ValidationFailed
from events.models import Event
from tests.factories import make_booking, wire

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS).astimezone(dt.UTC)


def create_series(rental, data, rrule, on_conflict="fail", **kwargs):
    body = {"booked": True, **data}
    return services.booking_series_create(
        rental=rental,
        booking_input=booking_input_from_wire(wire(body), creating=True, nested=True),
        series_input=SeriesInput(rrule=rrule, on_conflict=on_conflict),
        **kwargs,
    )


def written() -> tuple[int, int, int, int]:
    return (
        Booking.objects.count(),
        BookingSeries.objects.count(),
        BookingFee.objects.count(),
        Event.objects.count(),
    )


def test_a_series_writes_every_occurrence_its_fees_and_one_event_each(rental):
    created = create_series(
        rental,
        {
            "start_at": paris(2027, 1, 9, 16),
            "end_at": paris(2027, 1, 9, 18),
            "initial_price": "50",
            "bookings_fees": [{"name": "Coffee", "price": "5", "times_booked": 2}],
            "bookings_taxes": [{"name": "VAT", "amount": "1.50"}],
            "comments": [{"content": "projector"}],
        },
        "FREQ=WEEKLY;COUNT=5",
    )
    bookings = list(Booking.objects.filter(series=created.series).order_by("start_at"))
    assert [b.pk for b in bookings] == [b.pk for b in created.bookings]
    assert len(bookings) == 5
    assert {b.final_price for b in bookings} == {Decimal("61.50")}
    assert {len(b.public_id.hex) for b in bookings} == {32}
    assert len({b.public_id for b in bookings}) == 5
    assert BookingFee.objects.filter(booking__series=created.series).count() == 5
    assert BookingTax.objects.filter(booking__series=created.series).count() == 5
    events = Event.objects.filter(account_id=rental.account_id)
    assert events.filter(event="booking_created", resource_type="booking").count() == 5
    assert events.filter(event="booking_series_created", resource_id=created.series.pk).count() == 1
    assert created.skipped == []


def test_a_tax_of_a_catalogue_fee_points_at_each_occurrences_own_fee(rental):
    catalogue = rental.fees.create(account=rental.account, name="Cleaning", price=Decimal("20"))
    created = create_series(
        rental,
        {
            "start_at": paris(2027, 1, 9, 16),
            "end_at": paris(2027, 1, 9, 18),
            "bookings_fees": [{"rentals_fee_id": catalogue.pk}],
            "bookings_taxes": [
                {
                    "name": "VAT",
                    "amount": "4",
                    "taxable_type": "BookingsFee",
                    "taxable_id": catalogue.pk,
                }
            ],
        },
        "FREQ=DAILY;COUNT=3",
    )
    for booking in created.bookings:
        tax = BookingTax.objects.get(booking=booking)
        assert tax.bookings_fee.booking_id == booking.pk


def test_a_weekly_0900_series_in_paris_keeps_0900_across_both_dst_changes(rental):
    # Saturdays from 2027-03-20: the last Sunday of March is the 28th, of October the 31st.
    created = create_series(
        rental,
        {"start_at": paris(2027, 3, 20, 9), "end_at": paris(2027, 3, 20, 10)},
        "FREQ=WEEKLY;UNTIL=20271107T000000Z",
    )
    stored = Booking.objects.filter(series=created.series).order_by("start_at")
    local = {b.start_at.astimezone(PARIS).strftime("%H:%M") for b in stored}
    assert local == {"09:00"}
    by_day = {b.start_at.astimezone(PARIS).date(): b.start_at.astimezone(dt.UTC) for b in stored}
    assert by_day[dt.date(2027, 3, 27)].hour == 8  # CET
    assert by_day[dt.date(2027, 4, 3)].hour == 7  # CEST: the UTC instant moved by an hour
    assert by_day[dt.date(2027, 10, 30)].hour == 7
    assert by_day[dt.date(2027, 11, 6)].hour == 8  # CET again


def test_on_conflict_fail_names_every_conflicting_occurrence_in_local_time_and_writes_nothing(
    rental,
):
    blocker = make_booking(rental, paris(2027, 1, 16, 16), paris(2027, 1, 16, 17))
    prep = make_booking(
        rental, paris(2027, 1, 23, 18, 30), paris(2027, 1, 23, 20), buffer_before=60
    )
    before = written()
    with pytest.raises(ValidationFailed) as failure:
        create_series(
            rental,
            {"start_at": paris(2027, 1, 9, 16), "end_at": paris(2027, 1, 9, 18)},
            "FREQ=WEEKLY;COUNT=4",
        )
    assert failure.value.errors == {
        "recurrence": [
            f"2027-01-16 16:00: overlaps booking {blocker.reference}",
            f"2027-01-23 16:00: overlaps the preparation time of booking {prep.reference}",
        ]
    }
    assert written() == before


def test_on_conflict_skip_leaves_out_the_conflicting_occurrences(rental):
    blocker = make_booking(rental, paris(2027, 1, 16, 16), paris(2027, 1, 16, 17))
    created = create_series(
        rental,
        {"start_at": paris(2027, 1, 9, 16), "end_at": paris(2027, 1, 9, 18)},
        "FREQ=WEEKLY;COUNT=4",
        on_conflict="skip",
    )
    assert len(created.bookings) == 3
    assert created.skipped == [
        {"start_at": "2027-01-16T15:00:00Z", "conflicts_with": blocker.reference}
    ]
    assert created.series.on_conflict == "skip"


def test_an_expired_hold_does_not_stand_in_a_series_way(rental, now):
    hold = make_booking(
        rental,
        paris(2027, 1, 16, 16),
        paris(2027, 1, 16, 17),
        tentative_expires_at=now + dt.timedelta(hours=1),
        now=now,
    )
    created = create_series(
        rental,
        {"start_at": paris(2027, 1, 9, 16), "end_at": paris(2027, 1, 9, 18)},
        "FREQ=WEEKLY;COUNT=2",
        now=now + dt.timedelta(hours=2),
    )
    assert len(created.bookings) == 2
    hold.refresh_from_db()
    assert hold.status == Booking.Status.CANCELED


@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("FREQ=WEEKLY;COUNT=x=1", "COUNT"),
        ("NOT A RULE", "NAME=VALUE"),
        ("FREQ=HOURLY;COUNT=3", "HOURLY"),
        ("FREQ=WEEKLY", "COUNT or UNTIL"),
        ("FREQ=DAILY;COUNT=367", "COUNT"),
        ("FREQ=DAILY;UNTIL=20290101T000000Z", "366"),
    ],
)
def test_a_bad_rule_is_a_422_on_recurrence_and_nothing_is_written(rental, rrule, message):
    before = written()
    with pytest.raises(ValidationFailed) as failure:
        create_series(
            rental,
            {"start_at": paris(2027, 1, 9, 16), "end_at": paris(2027, 1, 9, 18)},
            rrule,
        )
    assert list(failure.value.errors) == ["recurrence"]
    assert message in " ".join(failure.value.errors["recurrence"])
    assert written() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"buffer_before": -1}, "buffer_before"),
        ({"buffer_after": 10081}, "buffer_after"),
        ({"free": True, "bookings_fees": [{"name": "Coffee", "price": "5"}]}, "bookings_fees"),
        ({"free": True, "initial_price": "100"}, "initial_price"),
        ({"visitors": [987654321]}, "visitors"),
        ({"members": ["x"]}, "members"),
        ({"summary": "s" * 256}, "summary"),
        ({"description": "d" * 6001}, "description"),
    ],
)
def test_bad_fields_are_a_422_naming_the_field_and_nothing_is_written(rental, data, field):
    before = written()
    with pytest.raises(ValidationFailed) as failure:
        create_series(
            rental,
            {"start_at": paris(2027, 1, 9, 16), "end_at": paris(2027, 1, 9, 18), **data},
            "FREQ=WEEKLY;COUNT=3",
        )
    assert field in failure.value.errors
    assert written() == before


def test_a_free_booking_costs_nothing_and_keeps_the_officernd_fields(rental, guest):
    booking = make_booking(
        rental,
        paris(2027, 1, 9, 16),
        paris(2027, 1, 9, 18),
        free=True,
        summary="Board meeting",
        description="Quarterly",
        visitors=[guest.pk],
        members=[str(guest.pk)],
    )
    booking.refresh_from_db()
    assert (booking.initial_price, booking.final_price) == (Decimal("0.00"), Decimal("0.00"))
    assert (booking.summary, booking.description) == ("Board meeting", "Quarterly")
    assert booking.visitors == [guest.pk] and booking.members == [guest.pk]
    with pytest.raises(ValidationFailed) as failure:
        services.booking_add_fee(
            booking=booking,
            fee=__import__("bookings.inputs").inputs.FeeInput(name="Coffee", price=Decimal(1)),
        )
    assert "bookings_fees" in failure.value.errors


def test_an_update_of_the_officernd_fields_is_recorded(rental, guest):
    booking = make_booking(rental, paris(2027, 1, 9, 16), paris(2027, 1, 9, 18))
    services.booking_update(
        booking=booking,
        booking_input=booking_input_from_wire(
            {"summary": "Standup", "visitors": [guest.pk]}, creating=False
        ),
    )
    event = Event.objects.filter(event="booking_updated", resource_id=booking.pk).latest("id")
    assert event.changes["summary"] == ["", "Standup"]
    assert event.changes["visitors"] == [[], [guest.pk]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recurrence": "FREQ=DAILY"}, "recurrence"),
        ({"recurrence": {"rrule": ""}}, "recurrence"),
        ({"recurrence": {"rrule": "F" * 501}}, "recurrence"),
        ({"recurrence": {"rrule": "FREQ=DAILY;COUNT=2"}, "on_conflict": "merge"}, "on_conflict"),
    ],
)
def test_a_malformed_series_body_names_its_field(body, field):
    with pytest.raises(ValidationFailed) as failure:
        series_input_from_wire(body)
    assert list(failure.value.errors) == [field]


def test_occurrences_whose_buffers_meet_each_other_are_refused_whole(rental):
    before = written()
    with pytest.raises(ValidationFailed) as failure:
        create_series(
            rental,
            {
                "start_at": paris(2027, 1, 9, 8),
                "end_at": paris(2027, 1, 10, 6),
                "buffer_after": 180,
            },
            "FREQ=DAILY;COUNT=3",
        )
    assert "preparation time" in failure.value.errors["recurrence"][0]
    assert written() == before
