"""Creating and editing bookings in the admin goes through the services, and every rule
of DESIGN §3 comes back as a form error on the right field, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from bookings.models import Booking, BookingComment, BookingFee
from bookings.services import booking_cancel
from rentals.models import RentalsFee
from tests.factories import booking_add_fee

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:bookings_booking_add")


def change_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def booking_form(
    *,
    rental=None,
    check_in: dt.date,
    check_out: dt.date,
    status: str = "booked",
    **fields,
) -> dict[str, str]:
    data = {
        "booking_status": status,
        "check_in_date": check_in.isoformat(),
        "check_in_time": "",
        "check_out_date": check_out.isoformat(),
        "check_out_time": "",
        "charge_damage_deposit_on_arrival": "on",
        **{name: str(value) for name, value in fields.items()},
    }
    if rental is not None:
        data["rental"] = str(rental.pk)
    return data


def inline_management(fees: int = 0, taxes: int = 0, comments: int = 0) -> dict[str, str]:
    data = {}
    for prefix, initial in (
        ("bookings_fees", fees),
        ("bookings_taxes", taxes),
        ("booking_comments", comments),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(initial)
        data[f"{prefix}-INITIAL_FORMS"] = str(initial)
    return data


def edit_form(client, booking: Booking, **fields) -> dict[str, str]:
    """What a browser posts back from the change page: every field as shown, then `fields`."""
    page = client.get(change_url(booking))
    form = page.context["adminform"].form
    data = inline_management()
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        if isinstance(bound.field.widget, forms.MultiWidget):
            parts = bound.field.widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    data.update({name: str(value) for name, value in fields.items()})
    return data


def errors_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "expected the form to re-render with errors"
    return response.context["adminform"].form.errors


def test_a_booking_created_in_the_form_is_made_by_the_service(manager_client, rental, guest, day):
    check_in = day(20).date()
    response = manager_client.post(
        ADD_URL,
        booking_form(
            rental=rental,
            client=guest.pk,
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=4),
            initial_price="400.00",
            discount="10%",
            adults=2,
            comment="Late arrival",
        ),
    )
    assert response.status_code == 302, errors_of(response)
    booking = Booking.objects.get()
    local_start = booking.start_at.astimezone(rental.tzinfo)
    # A bare date means the rental's check-in time in the rental's time zone.
    assert (local_start.date(), local_start.time()) == (check_in, rental.checkin_time)
    assert booking.status == Booking.Status.BOOKED
    assert booking.booked_at is not None  # set by the service
    assert booking.account == rental.account
    assert booking.currency == "EUR"  # the rental's, the service's default
    assert booking.final_price == Decimal("360.00")  # computed by the service
    assert booking.client == guest
    comment = BookingComment.objects.get(booking=booking)
    assert (comment.content, comment.author) == ("Late arrival", manager_client.user.username)


def test_times_given_in_the_form_are_the_rentals_local_times(manager_client, rental, day):
    check_in = day(30).date()
    data = booking_form(rental=rental, check_in=check_in, check_out=check_in + dt.timedelta(days=2))
    data.update(check_in_time="13:30", check_out_time="09:15")
    response = manager_client.post(ADD_URL, data)
    assert response.status_code == 302, errors_of(response)
    booking = Booking.objects.get()
    assert booking.start_at == dt.datetime.combine(check_in, dt.time(13, 30), rental.tzinfo)
    assert booking.end_at.astimezone(rental.tzinfo).time() == dt.time(9, 15)


def test_an_overlapping_booking_is_an_error_on_check_in(manager_client, rental, make_booking):
    existing = make_booking(rental, start=10, nights=5)
    check_in = existing.start_at.astimezone(rental.tzinfo).date() + dt.timedelta(days=2)
    response = manager_client.post(
        ADD_URL,
        booking_form(rental=rental, check_in=check_in, check_out=check_in + dt.timedelta(days=3)),
    )
    assert errors_of(response)["check_in_date"] == [f"overlaps booking {existing.reference}"]
    assert f"overlaps booking {existing.reference}" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_stay_may_start_on_the_day_the_previous_one_ends(manager_client, rental, make_booking):
    existing = make_booking(rental, start=10, nights=5)
    check_in = existing.end_at.astimezone(rental.tzinfo).date()
    response = manager_client.post(
        ADD_URL,
        booking_form(rental=rental, check_in=check_in, check_out=check_in + dt.timedelta(days=3)),
    )
    assert response.status_code == 302, errors_of(response)
    assert Booking.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"notes": "x" * 6001}, "notes", "is too long (maximum is 6000 characters)"),
        ({"discount": "ten"}, "discount", None),
        ({"expected_checkin_time": "25:00"}, "expected_checkin_time", None),
        ({"commission": "10"}, "commission", "requires final_price"),
        ({"final_price": "100", "final_payback_to_owner": "100"}, "final_payback_to_owner", None),
        (
            {"initial_price": "100", "rental_payback_to_owner": "100"},
            "rental_payback_to_owner",
            None,
        ),
        ({"currency": "XYZ"}, "currency", None),
        (
            {"damage_deposit_external_collection_method_name": "cash"},
            "damage_deposit_external_collection_method_name",
            None,
        ),
    ],
)
def test_each_rule_of_the_service_shows_on_its_field(
    manager_client, rental, day, fields, field, message
):
    check_in = day(40).date()
    response = manager_client.post(
        ADD_URL,
        booking_form(
            rental=rental, check_in=check_in, check_out=check_in + dt.timedelta(days=2), **fields
        ),
    )
    errors = errors_of(response)
    assert field in errors, errors
    if message:
        assert message in errors[field]
    assert not Booking.objects.exists()


def test_check_out_before_check_in_is_an_error_on_check_out(manager_client, rental, day):
    check_in = day(40).date()
    response = manager_client.post(
        ADD_URL,
        booking_form(rental=rental, check_in=check_in, check_out=check_in - dt.timedelta(days=1)),
    )
    assert errors_of(response)["check_out_date"] == ["must be after start_at"]


def test_a_tentative_hold_needs_a_future_expiry(manager_client, rental, day):
    check_in = day(40).date()
    base = booking_form(
        rental=rental,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=2),
        status="tentative",
    )
    missing = manager_client.post(ADD_URL, base)
    assert "tentative_expires_at" in errors_of(missing)

    past = day(-1)
    base.update(tentative_expires_at_0=f"{past:%Y-%m-%d}", tentative_expires_at_1="12:00")
    assert errors_of(manager_client.post(ADD_URL, base))["tentative_expires_at"] == [
        "must be in the future"
    ]

    future = day(3)
    base.update(tentative_expires_at_0=f"{future:%Y-%m-%d}", tentative_expires_at_1="12:00")
    response = manager_client.post(ADD_URL, base)
    assert response.status_code == 302, errors_of(response)
    hold = Booking.objects.get()
    assert hold.status == Booking.Status.TENTATIVE
    # The expiry is typed in the rental's time zone.
    assert hold.tentative_expires_at == dt.datetime.combine(
        future.date(), dt.time(12), rental.tzinfo
    )


def test_a_client_of_another_account_is_refused(manager_client, rental, other_account, day):
    from bookings.models import Client

    stranger = Client.objects.create(account=other_account, fullname="Stranger")
    check_in = day(40).date()
    response = manager_client.post(
        ADD_URL,
        booking_form(
            rental=rental,
            client=stranger.pk,
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=2),
        ),
    )
    assert "client" in errors_of(response)
    assert not Booking.objects.exists()


def test_editing_changes_only_what_was_changed_through_the_service(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, notes="first", initial_price="300")
    before = booking.updated_at
    response = manager_client.post(
        change_url(booking),
        edit_form(manager_client, booking, notes="second", booking_status="unavailable"),
    )
    assert response.status_code == 302, errors_of(response)
    booking.refresh_from_db()
    assert booking.notes == "second"
    assert booking.status == Booking.Status.UNAVAILABLE
    assert booking.initial_price == Decimal("300.00")
    assert booking.updated_at > before


def test_moving_a_booking_onto_another_is_an_error_and_changes_nothing(
    manager_client, rental, make_booking
):
    first = make_booking(rental, start=10, nights=3)
    second = make_booking(rental, start=20, nights=3)
    tz = rental.tzinfo
    response = manager_client.post(
        change_url(second),
        edit_form(
            manager_client,
            second,
            notes="moved",
            check_in_date=first.start_at.astimezone(tz).date(),
            check_out_date=first.end_at.astimezone(tz).date(),
        ),
    )
    assert errors_of(response)["check_in_date"] == [f"overlaps booking {first.reference}"]
    second.refresh_from_db()
    assert second.notes == ""


def test_a_canceled_booking_is_read_only(manager_client, rental, make_booking):
    booking = make_booking(rental, notes="keep")
    data = edit_form(manager_client, booking, notes="changed")
    booking_cancel(booking=booking, reason="requested_by_guest")
    page = manager_client.get(change_url(booking))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "Requested by guest" in html
    assert "Cancel booking" not in html
    response = manager_client.post(change_url(booking), data)
    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.notes == "keep"


def test_an_expired_hold_reads_as_canceled_and_is_read_only(manager_client, rental, day):
    hold = Booking.objects.create(
        account=rental.account,
        rental=rental,
        status=Booking.Status.TENTATIVE,
        tentative_expires_at=day(-1),
        start_at=day(5, 16),
        end_at=day(7, 10),
    )
    page = manager_client.get(change_url(hold)).content.decode()
    assert 'name="_save"' not in page
    assert "Canceled" in page and "Tentative hold expired" in page


def test_a_fee_added_in_the_inline_goes_through_the_service_and_reprices(
    manager_client, rental, make_booking
):
    cleaning = RentalsFee.objects.create(
        account=rental.account, rental=rental, name="Cleaning", price=Decimal("60")
    )
    booking = make_booking(rental, initial_price="300")
    data = edit_form(manager_client, booking)
    data.update(
        {
            "bookings_fees-TOTAL_FORMS": "2",
            "bookings_fees-0-rentals_fee": str(cleaning.pk),
            "bookings_fees-0-times_booked": "1",
            "bookings_fees-1-name": "Linen",
            "bookings_fees-1-price": "15",
            "bookings_fees-1-times_booked": "2",
        }
    )
    response = manager_client.post(change_url(booking), data)
    assert response.status_code == 302, errors_of(response)
    fees = sorted(BookingFee.objects.filter(booking=booking).values_list("name", "price"))
    assert fees == [("Cleaning", Decimal("60.00")), ("Linen", Decimal("15.00"))]
    booking.refresh_from_db()
    assert booking.final_price == Decimal("390.00")


def test_a_fee_removed_in_the_inline_goes_through_the_service_and_reprices(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, initial_price="300")
    fee = booking_add_fee(booking=booking, data={"name": "Cleaning", "price": "60"})
    data = edit_form(manager_client, booking)
    data.update(
        {
            "bookings_fees-TOTAL_FORMS": "1",
            "bookings_fees-INITIAL_FORMS": "1",
            "bookings_fees-0-id": str(fee.pk),
            "bookings_fees-0-booking": str(booking.pk),
            "bookings_fees-0-DELETE": "on",
        }
    )
    response = manager_client.post(change_url(booking), data)
    assert response.status_code == 302, errors_of(response)
    assert not BookingFee.objects.filter(booking=booking).exists()
    booking.refresh_from_db()
    assert booking.final_price == Decimal("300.00")


def test_a_bad_fee_rolls_back_the_whole_page(manager_client, rental, make_booking):
    booking = make_booking(rental, initial_price="300")
    data = edit_form(manager_client, booking, notes="changed")
    data.update({"bookings_fees-TOTAL_FORMS": "1", "bookings_fees-0-times_booked": "1"})
    data["bookings_fees-0-name"] = "No price"
    response = manager_client.post(change_url(booking), data)
    assert response.status_code == 200
    fee_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert fee_form.errors["price"] == ["can't be blank"]
    booking.refresh_from_db()
    assert booking.notes == ""  # the booking's own change was undone with the fee
    assert not BookingFee.objects.exists()


def test_a_comment_added_in_the_inline_is_recorded_with_its_author(
    manager_client, rental, make_booking
):
    booking = make_booking(rental)
    data = edit_form(manager_client, booking)
    data.update({"booking_comments-TOTAL_FORMS": "1", "booking_comments-0-content": "Guest called"})
    response = manager_client.post(change_url(booking), data)
    assert response.status_code == 302, errors_of(response)
    comment = BookingComment.objects.get(booking=booking)
    assert (comment.content, comment.author, comment.account_id) == (
        "Guest called",
        manager_client.user.username,
        rental.account_id,
    )


def test_the_change_page_shows_computed_fields_read_only(manager_client, rental, make_booking):
    booking = make_booking(rental, initial_price="200", discount="50")
    response = manager_client.get(change_url(booking))
    form = response.context["adminform"].form
    assert "final_rental_price" not in form.fields and "rental" not in form.fields
    html = response.content.decode()
    assert booking.reference in html
    assert "150.00" in html  # final rental price


def test_the_form_takes_the_rentals_buffers_unless_given(manager_client, rental, day):
    rental.buffer_after = 180
    rental.save()
    page = manager_client.get(ADD_URL)
    assert 'name="buffer_after"' in page.content.decode()
    check_in = day(40).date()
    stay = {"check_in": check_in, "check_out": check_in + dt.timedelta(days=2)}
    response = manager_client.post(ADD_URL, booking_form(rental=rental, **stay))
    assert response.status_code == 302, errors_of(response)
    first = Booking.objects.get()
    assert (first.buffer_before, first.buffer_after) == (0, 180)
    # The next guest arrives on the day the first leaves (10:00) at 12:00: in the cleaning.
    data = booking_form(
        rental=rental,
        check_in=stay["check_out"],
        check_out=stay["check_out"] + dt.timedelta(days=2),
        buffer_after=30,
    )
    data["check_in_time"] = "12:00"
    assert errors_of(manager_client.post(ADD_URL, data))["check_in_date"] == [
        f"overlaps the preparation time of booking {first.reference}"
    ]
    data["check_in_time"] = "13:00"
    response = manager_client.post(ADD_URL, data)
    assert response.status_code == 302, errors_of(response)
    assert Booking.objects.latest("pk").buffer_after == 30


def test_a_buffer_out_of_bounds_is_an_error_on_its_field(manager_client, rental, make_booking):
    booking = make_booking(rental, start=10, nights=2)
    data = {**edit_form(manager_client, booking), "buffer_after": "10081"}
    response = manager_client.post(change_url(booking), data)
    assert "buffer_after" in errors_of(response)
    booking.refresh_from_db()
    assert booking.buffer_after == 0


def _metadata_rows(rows: dict[str, str]) -> dict[str, str]:
    data = {"metadata-rows": str(len(rows))}
    for i, (key, value) in enumerate(rows.items()):
        data |= {
            f"metadata-key-{i}": key,
            f"metadata-type-{i}": "string",
            f"metadata-value-{i}": value,
        }
    return data


def test_metadata_is_edited_as_key_value_rows_and_removals_stick(
    manager_client, rental, make_booking
):
    booking = make_booking(rental, start=10, nights=2, metadata={"a": "1", "b": "2"})
    data = {**edit_form(manager_client, booking), **_metadata_rows({"b": "3", "c": "4"})}
    response = manager_client.post(change_url(booking), data)
    assert response.status_code == 302, errors_of(response)
    booking.refresh_from_db()
    assert booking.metadata == {"b": "3", "c": "4"}  # "a" removed on the page
