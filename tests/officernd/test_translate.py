"""officernd/api/translate.py on its own: OfficeRnD JSON ↔ the v3 wire shape, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from officernd.api.translate import (
    TranslationError,
    batch_input,
    booking_input,
    booking_output,
    v3_body,
)

START = {"dateTime": "2027-01-09T09:00:00+01:00"}
END = {"dateTime": "2027-01-09T10:30:00+01:00"}
BODY = {"start": START, "end": END, "resourceId": "7", "member": 3}


def test_a_create_body_becomes_the_v3_body():
    parsed = booking_input(BODY, creating=True)
    assert parsed.start_at == dt.datetime(2027, 1, 9, 8, 0, tzinfo=dt.UTC)
    assert parsed.rental_id == 7
    assert v3_body(parsed) == {
        "start_at": "2027-01-09T08:00:00Z",
        "end_at": "2027-01-09T09:30:00Z",
        "client_id": 3,
        "booked": True,
    }


def test_team_is_the_client_when_there_is_no_member():
    parsed = booking_input({**BODY, "member": None, "team": "4"}, creating=True)
    assert v3_body(parsed)["client_id"] == 4


def test_tentative_on_create_holds_until_the_start():
    parsed = booking_input({**BODY, "tentative": True}, creating=True)
    assert v3_body(parsed)["tentative_expires_at"] == "2027-01-09T08:00:00Z"
    assert "booked" not in v3_body(parsed)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"tentative": False}, "Tentative", {"booked": True}),
        ({"tentative": False}, "Booked", {}),
        ({"tentative": False}, "Unavailable", {}),
        ({"tentative": True}, "Tentative", {}),
        ({"tentative": True}, "Booked", {"tentative_expires_at": "2027-02-01T08:00:00Z"}),
        ({"start": START}, "Tentative", {"start_at": "2027-01-09T08:00:00Z",
                                          "tentative_expires_at": "2027-01-09T08:00:00Z"}),
        ({"summary": "Offsite"}, "Booked", {"summary": "Offsite"}),
    ],
)  # fmt: skip
def test_an_update_changes_the_status_only_where_tentative_changes_something(
    body, status, expected
):
    parsed = booking_input(body, creating=False)
    current_start = dt.datetime(2027, 2, 1, 8, 0, tzinfo=dt.UTC)
    assert v3_body(parsed, current_status=status, current_start=current_start) == expected


def test_a_single_body_or_an_array_is_a_batch():
    assert len(batch_input(BODY)) == 1
    assert len(batch_input([BODY, BODY])) == 2


def test_every_bad_field_of_every_booking_is_named():
    with pytest.raises(TranslationError) as caught:
        batch_input([BODY, {"start": START, "resourceId": True, "member": "x"}])
    assert caught.value.problems == [
        ("1.resourceId", "must be an id"),
        ("1.member", "must be an id (a positive whole number, as a string or a number)"),
        ("1.end.dateTime", "is required"),
    ]


def test_a_blank_member_and_no_team_is_refused():
    with pytest.raises(TranslationError) as caught:
        booking_input({**BODY, "member": ""}, creating=True)
    assert caught.value.problems == [("member", "member or team is required")]


@pytest.mark.parametrize("bad", [0, -3, "1e3", 2**63, "", 1.5, "¹", "٣"])
def test_ids_are_positive_whole_numbers_within_bigint(bad):
    with pytest.raises(TranslationError):
        booking_input({**BODY, "resourceId": bad}, creating=True)


RECORD = {
    "id": 80,
    "reference": "00002G",
    "status": "Tentative",
    "start_at": "2027-01-09T08:00:00Z",
    "end_at": "2027-01-09T09:30:00Z",
    "updated_at": "2027-01-02T10:00:00Z",
    "created_at": "2027-01-01T10:00:00Z",
    "currency": "EUR",
    "final_rental_price": "120.00",
    "links": {"rental": 7, "client": 3},
    "bookings_fees": [
        {"id": 5, "name": {"en": "Coffee"}, "price": "4.00", "times_booked": 6},
    ],
}


def test_a_v3_record_becomes_the_seed_shape():
    out = booking_output(
        RECORD,
        timezone="Europe/Paris",
        local_date=dt.date(2027, 1, 9),
        source="",
        created_by="application-17",
        modified_by=None,
    )
    assert out["_id"] == out["id"] == "80"
    assert out["start"] == {"dateTime": "2027-01-09T08:00:00Z"}
    assert out["resourceId"] == "7" and out["member"] == "3" and out["team"] is None
    assert out["tentative"] is True and out["canceled"] is False
    assert out["fees"] == [
        {
            "date": "2027-01-09",
            "fee": {"name": "Booking", "price": "120.00", "currency": "EUR"},
            "credits": [],
            "extraFees": [{"_id": "5", "name": "Coffee", "price": "4.00", "quantity": 6}],
        }
    ]
    assert out["createdAt"] == "2027-01-01T10:00:00Z"
    assert out["modifiedAt"] == "2027-01-02T10:00:00Z"
    assert (out["createdBy"], out["modifiedBy"]) == ("application-17", None)
    assert out["source"] is None


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "2027-13-01T00:00:00Z"]
)
def test_a_time_out_of_range_is_a_field_error_not_a_crash(value):
    with pytest.raises(TranslationError) as caught:
        booking_input({**BODY, "start": {"dateTime": value}}, creating=True)
    assert caught.value.problems[0][0] == "start.dateTime"
