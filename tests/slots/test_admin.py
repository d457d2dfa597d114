"""The slot admin (writes through the services) and the rental page's slots and metadata."""

from __future__ import annotations

import datetime as dt

from events.models import Event
from rentals.models import Rental
from slots.models import Slot
from tests.slots.conftest import HOUR

ADD_URL = "/admin/slots/slot/add/"


def _form(rental, start: dt.datetime, hours: int = 1, metadata=(), **extra) -> dict[str, str]:
    end = start + dt.timedelta(hours=hours)
    data = {
        "rental": str(rental.pk),
        "start_at_0": start.strftime("%Y-%m-%d"),
        "start_at_1": start.strftime("%H:%M:%S"),
        "end_at_0": end.strftime("%Y-%m-%d"),
        "end_at_1": end.strftime("%H:%M:%S"),
        "capacity": "2",
        "lockable": "on",
        "metadata-rows": str(len(metadata)),
    }
    for i, (key, kind, value) in enumerate(metadata):
        data |= {f"metadata-key-{i}": key, f"metadata-type-{i}": kind, f"metadata-value-{i}": value}
    return data | extra


def test_a_slot_added_in_the_admin_is_made_by_the_service(manager_client, rental, start):
    response = manager_client.post(
        ADD_URL, _form(rental, start, metadata=[("room", "string", "A"), ("floor", "number", "2")])
    )
    assert response.status_code == 302, response.content[:2000]
    slot = Slot.objects.get()
    assert (slot.start_at, slot.capacity, slot.metadata) == (start, 2, {"room": "A", "floor": 2})
    event = Event.objects.get(event="slot_created")
    assert event.actor == {"type": "user", "id": manager_client.user.pk}


def test_an_overlapping_slot_is_a_form_error(manager_client, rental, start, make_slot):
    make_slot(0, 2)
    response = manager_client.post(ADD_URL, _form(rental, start + HOUR))
    assert response.status_code == 200
    assert "overlaps slot" in response.content.decode()
    assert Slot.objects.count() == 1


def test_bad_metadata_is_a_form_error(manager_client, rental, start):
    response = manager_client.post(
        ADD_URL, _form(rental, start, metadata=[("n", "number", "three")])
    )
    assert response.status_code == 200
    assert "is not a number" in response.content.decode()
    assert not Slot.objects.exists()


def test_changing_a_slot_goes_through_the_service(manager_client, rental, start, make_slot):
    slot = make_slot(metadata={"a": "1", "b": "2"})
    url = f"/admin/slots/slot/{slot.pk}/change/"
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(
        url, _form(rental, start, hours=2, metadata=[("a", "string", "1")], capacity="3")
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.end_at, slot.metadata) == (3, start + 2 * HOUR, {"a": "1"})
    assert Event.objects.filter(event="slot_updated").count() == 1


def test_disable_action_and_delete(manager_client, make_slot):
    slot = make_slot()
    manager_client.post(
        "/admin/slots/slot/", {"action": "disable_slots", "_selected_action": [slot.pk]}
    )
    slot.refresh_from_db()
    assert slot.status == "disabled"
    manager_client.post(f"/admin/slots/slot/{slot.pk}/delete/", {"post": "yes"})
    assert not Slot.objects.exists()
    assert Event.objects.filter(event="slot_destroyed").exists()


def test_another_account_s_slot_is_a_404(manager_client, other_account, make_rental, start):
    from slots.services import slot_create
    from tests.slots.conftest import ACTOR

    theirs = slot_create(
        rental=make_rental(other_account), start_at=start, end_at=start + HOUR, actor=ACTOR
    )
    assert manager_client.get(f"/admin/slots/slot/{theirs.pk}/change/").status_code == 404


def test_the_rental_page_lists_its_slots_and_edits_metadata(manager_client, rental, make_slot):
    make_slot(capacity=3)
    url = f"/admin/rentals/rental/{rental.pk}/change/"
    page = manager_client.get(url).content.decode()
    assert "0 / 3" in page
    assert 'name="metadata-rows"' in page


def test_rental_metadata_saved_in_the_admin_follows_the_rules(manager_client, rental):
    url = f"/admin/rentals/rental/{rental.pk}/change/"
    response = manager_client.get(url)
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, dict | list)
    }
    data |= {
        "name": rental.name,
        "timezone": rental.timezone,
        "checkin_time": "16:00",
        "checkout_time": "10:00",
        "currency": "EUR",
        "balance_due_days": "30",
        "status": "published",
        "booking_disabled_before": "0",
        "metadata-rows": "1",
        "metadata-key-0": "wifi",
        "metadata-type-0": "string",
        "metadata-value-0": "secret",
        "fees-TOTAL_FORMS": "0",
        "fees-INITIAL_FORMS": "0",
    }
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Rental.objects.get(pk=rental.pk).metadata == {"wifi": "secret"}
