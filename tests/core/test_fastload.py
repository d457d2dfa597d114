"""core.fastload: bookings read in full are built without Model.__init__, and are the
same instances Django's own path builds."""

from __future__ import annotations

import pytest
from django.db import models
from django.db.models.signals import post_init

from bookings.models import Booking
from core.fastload import FastLoadModel
from tests.factories import at, make_booking

pytestmark = pytest.mark.django_db


def columns(booking: Booking) -> dict:
    return {
        field.attname: getattr(booking, field.attname) for field in Booking._meta.concrete_fields
    }


def test_a_full_row_gives_the_instance_djangos_path_gives(rental, monkeypatch):
    make_booking(rental, at(3, 16), at(5, 10), metadata={"door": "blue"}, adults=2)

    def no_init(*args, **kwargs):
        raise AssertionError("Model.__init__ called")

    with monkeypatch.context() as patch:
        patch.setattr(Booking, "__init__", no_init)
        fast = Booking.objects.get()  # the fast path builds it without __init__
    monkeypatch.setattr(FastLoadModel, "from_db", models.Model.__dict__["from_db"])
    slow = Booking.objects.get()
    assert columns(fast) == columns(slow)
    assert fast._state.adding is False and fast._state.db == slow._state.db == "default"
    assert fast.rental == rental  # relations load as usual
    fast.adults = 3
    fast.save(update_fields=["adults"])
    assert Booking.objects.get().adults == 3


def test_deferred_columns_and_init_receivers_take_djangos_path(rental):
    make_booking(rental, at(3, 16), at(5, 10))
    partial = Booking.objects.only("id", "status").get()
    assert partial.get_deferred_fields() >= {"start_at", "metadata"}
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Booking)
    try:
        booking = Booking.objects.get()
    finally:
        post_init.disconnect(receiver, sender=Booking)
    assert seen == [booking]
