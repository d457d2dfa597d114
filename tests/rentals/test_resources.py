"""Writes of a rental as an Overbooked resource (rentals/resources.py)."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.metadata import MetadataInvalid
from events.actors import Actor
from events.models import Event
from rentals.models import Rental
from rentals.resources import (
    ResourceCutoffInvalid,
    ResourceTimezoneInvalid,
    resource_convert_to_draft,
    resource_create,
    resource_delete,
    resource_publish,
    resource_update,
)

ACTOR = Actor.api_key(7)


def test_a_resource_is_created_as_a_draft_with_its_event(account):
    rental = resource_create(
        account_id=account.pk, name="Desk 1", timezone="Europe/Warsaw", actor=ACTOR,
        metadata={"zone": "B", "gone": None},
    )  # fmt: skip
    assert (rental.status, rental.metadata, rental.currency) == ("draft", {"zone": "B"}, "EUR")
    event = Event.objects.get(event="rental_created")
    assert (event.resource_id, event.actor) == (rental.pk, {"type": "api_key", "id": 7})


def test_a_rental_made_elsewhere_is_published(rental):
    assert rental.status == Rental.Status.PUBLISHED


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"timezone": "Mars/Base"}, ResourceTimezoneInvalid),
        ({"name": ""}, ValidationFailed),
        ({"metadata": {"k": []}}, MetadataInvalid),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(account, fields, error):
    values = {"name": "Desk", "timezone": "UTC"} | fields
    with pytest.raises(error):
        resource_create(account_id=account.pk, actor=ACTOR, **values)
    assert not Rental.objects.exists() and not Event.objects.exists()


def test_update_merges_metadata_and_records_only_real_changes(rental):
    resource_update(rental=rental, actor=ACTOR, metadata={"a": 1, "b": 2})
    rental = resource_update(rental=rental, actor=ACTOR, metadata={"a": None}, name=rental.name)
    assert rental.metadata == {"b": 2}
    assert [e.changes for e in Event.objects.filter(event="rental_updated")] == [
        {"metadata": [{}, {"a": 1, "b": 2}]},
        {"metadata": [{"a": 1, "b": 2}, {"b": 2}]},
    ]
    resource_update(rental=rental, actor=ACTOR, name=rental.name)
    assert Event.objects.filter(event="rental_updated").count() == 2


def test_booking_disabled_before_is_bounded(rental):
    with pytest.raises(ResourceCutoffInvalid):
        resource_update(rental=rental, actor=ACTOR, booking_disabled_before=-1)


def test_publish_and_convert_to_draft(rental):
    assert resource_convert_to_draft(rental=rental, actor=ACTOR).status == "draft"
    assert resource_publish(rental=rental, actor=ACTOR).status == "published"


def test_delete_removes_the_rental(rental):
    resource_delete(rental=rental, actor=ACTOR)
    assert not Rental.objects.filter(pk=rental.pk).exists()
    assert Event.objects.filter(event="rental_destroyed", resource_id=rental.pk).exists()
