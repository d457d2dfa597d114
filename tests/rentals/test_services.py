"""Every write of a rental (rentals/services.py), the Overbooked resource fields included:
one writer per column, one event per write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from core.errors import ValidationFailed
from core.metadata import MetadataInvalid
from events.actors import Actor
from events.models import Event
from rentals.errors import RentalCutoffInvalid, RentalTimezoneInvalid
from rentals.inputs import MAX_BOOKING_DISABLED_BEFORE, RentalInput
from rentals.models import Rental
from rentals.services import rental_create, rental_delete, rental_update
from slots.models import Slot

ACTOR = Actor.api_key(7)


def update(rental: Rental, **values) -> Rental:
    return rental_update(rental=rental, rental_input=RentalInput.of(**values), actor=ACTOR)


def test_a_rental_is_created_with_its_resource_fields_and_its_event(account):
    rental = rental_create(
        account_id=account.pk,
        rental_input=RentalInput.of(
            name="Desk 1", timezone="Europe/Warsaw", status="draft",
            metadata={"zone": "B", "gone": None}, public_scheduling_enabled=True,
        ),
        actor=ACTOR,
    )  # fmt: skip
    rental.refresh_from_db()
    assert (rental.status, rental.metadata, rental.currency) == ("draft", {"zone": "B"}, "EUR")
    assert rental.public_scheduling_enabled is True
    event = Event.objects.get(event="rental_created")
    assert (event.resource_id, event.actor) == (rental.pk, {"type": "api_key", "id": 7})


def test_a_rental_made_without_a_status_is_published(rental):
    assert rental.status == Rental.Status.PUBLISHED


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"timezone": "Mars/Base"}, RentalTimezoneInvalid),
        ({"timezone": "localtime"}, RentalTimezoneInvalid),
        ({"name": ""}, ValidationFailed),
        ({"name": "a\x00b"}, ValidationFailed),
        ({"status": "open"}, ValidationFailed),
        ({"booking_disabled_before": MAX_BOOKING_DISABLED_BEFORE + 1}, RentalCutoffInvalid),
        ({"metadata": {"k": []}}, MetadataInvalid),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(account, fields, error):
    values = {"name": "Desk", "timezone": "UTC"} | fields
    with pytest.raises(error) as raised:
        rental_create(account_id=account.pk, rental_input=RentalInput.of(**values), actor=ACTOR)
    assert set(raised.value.errors) == set(fields)
    assert not Rental.objects.exists() and not Event.objects.exists()


def test_update_merges_metadata_and_records_only_real_changes(rental):
    update(rental, metadata={"a": 1, "b": 2})
    rental = update(rental, metadata={"a": None}, name=rental.name)
    assert rental.metadata == {"b": 2}
    assert [e.changes for e in Event.objects.filter(event="rental_updated")] == [
        {"metadata": [{}, {"a": 1, "b": 2}]},
        {"metadata": [{"a": 1, "b": 2}, {"b": 2}]},
    ]
    update(rental, name=rental.name, status=rental.status)
    assert Event.objects.filter(event="rental_updated").count() == 2


def test_a_bad_update_writes_nothing(rental):
    before = Rental.objects.filter(pk=rental.pk).values().get()
    with pytest.raises(RentalCutoffInvalid):
        update(rental, name="Renamed", booking_disabled_before=-1)
    with pytest.raises(MetadataInvalid):
        update(rental, name="Renamed", metadata={f"k{i}": i for i in range(51)})
    assert Rental.objects.filter(pk=rental.pk).values().get() == before
    assert not Event.objects.exists()


def test_publish_and_convert_to_draft_are_status_updates_with_their_event(rental):
    assert update(rental, status="draft").status == "draft"
    assert update(rental, status="published").status == "published"
    assert [e.changes for e in Event.objects.filter(event="rental_updated")] == [
        {"status": ["published", "draft"]},
        {"status": ["draft", "published"]},
    ]


def test_a_resource_edit_from_a_stale_read_keeps_a_rental_field_changed_meanwhile(rental):
    stale = Rental.objects.get(pk=rental.pk)
    update(rental, city="Nice", timezone="Asia/Tokyo")
    update(stale, status="draft", metadata={"floor": 2})
    rental.refresh_from_db()
    assert (rental.city, rental.timezone, rental.status) == ("Nice", "Asia/Tokyo", "draft")
    assert rental.metadata == {"floor": 2}


def test_delete_takes_the_slots_with_it_each_with_its_event(rental):
    start = dt.datetime(2030, 1, 1, 10, tzinfo=dt.UTC)
    slot = Slot.objects.create(
        account=rental.account, rental=rental, start_at=start, end_at=start + dt.timedelta(hours=1)
    )
    rental_delete(rental=rental, actor=ACTOR)
    assert not Rental.objects.filter(pk=rental.pk).exists()
    assert not Slot.objects.filter(pk=slot.pk).exists()
    assert list(Event.objects.order_by("id").values_list("event", "resource_id")) == [
        ("slot_destroyed", slot.pk),
        ("rental_destroyed", rental.pk),
    ]


def test_an_admin_save_of_rental_and_resource_fields_is_one_write_with_one_event(
    manager_client, rental
):
    rental_update(
        rental=rental, rental_input=RentalInput.of(metadata={"old": "x", "kept": 1}), actor=ACTOR
    )
    url = reverse("admin:rentals_rental_change", args=[rental.pk])
    form = {
        "name": rental.name, "timezone": rental.timezone, "checkin_time": "16:00",
        "checkout_time": "10:00", "currency": "EUR", "balance_due_days": 30,
        "city": "Nice", "status": "draft", "booking_disabled_before": 600,
        "metadata-rows": 2,
        "metadata-key-0": "kept", "metadata-type-0": "number", "metadata-value-0": "1",
        "metadata-key-1": "new", "metadata-type-1": "string", "metadata-value-1": "y",
        "fees-TOTAL_FORMS": 0, "fees-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = manager_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rental.refresh_from_db()
    assert (rental.city, rental.status, rental.booking_disabled_before) == ("Nice", "draft", 600)
    assert rental.metadata == {"kept": 1, "new": "y"}
    event = Event.objects.filter(event="rental_updated").order_by("id").last()
    assert event.actor == {"type": "user", "id": manager_client.user.pk}
    assert event.changes == {
        "city": ["", "Nice"],
        "status": ["published", "draft"],
        "booking_disabled_before": [0, 600],
        "metadata": [{"old": "x", "kept": 1}, {"kept": 1, "new": "y"}],
    }
