"""DESIGN §3 reference: the id in base 36, upper-case, zero-padded to 6 characters."""

from __future__ import annotations

import pytest

from bookings.errors import BookingOverlap
from bookings.models import Booking, id_for_reference, reference_for
from tests.domain.conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("booking_id", "reference"),
    [(500, "0000DW"), (817602, "00HIV6"), (1, "000001"), (35, "00000Z"), (36, "000010")],
)
def test_reference_is_the_id_in_base_36_padded_to_six(booking_id, reference):
    assert reference_for(booking_id) == reference
    assert Booking(pk=booking_id).reference == reference
    assert id_for_reference(reference) == booking_id
    assert id_for_reference(reference.lower()) == booking_id


def test_references_longer_than_six_characters_are_not_cut():
    assert reference_for(36**6) == "1000000"


@pytest.mark.parametrize("text", ["", "   ", "not a ref!", "-1", "000000"])
def test_a_non_reference_names_no_booking(text):
    assert id_for_reference(text) is None


def test_an_unsaved_booking_has_no_reference():
    assert Booking().reference == ""


def test_the_overlap_error_names_the_reference_of_the_booking_in_the_way(book):
    first = book(at(1), at(3))
    Booking.objects.filter(pk=first.pk).update(id=817602)
    with pytest.raises(BookingOverlap) as caught:
        book(at(2), at(4))
    assert caught.value.errors == {"start_at": ["overlaps booking 00HIV6"]}
