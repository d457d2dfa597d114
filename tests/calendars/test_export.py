"""The iCal export: secret URL, content, other parsers, the rental record, the round trip."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject
from django.utils import timezone

from calendars import services
from calendars.export import export_path
from calendars.importer import feed_sync
from tests.calendars.feed_server import FeedServer, Reply

pytestmark = pytest.mark.django_db


def today(rental) -> dt.date:
    return timezone.now().astimezone(rental.tzinfo).date()


def feed_of(client, rental) -> bytes:
    record = client.get(f"/api/v3/rentals/{rental.pk}").json()["rentals"][0]
    path = record["ical_url"].removeprefix("http://testserver")
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return response.content


def test_the_feed_lists_current_and_future_stays_as_all_day_events(
    api, rental, guest, make_booking
):
    start = today(rental)
    past = make_booking(rental, start - dt.timedelta(days=10), start - dt.timedelta(days=7))
    stay = make_booking(
        rental,
        start + dt.timedelta(days=3),
        start + dt.timedelta(days=6),
        client_id=guest.pk,
        notes="door code 1234",
    )
    block = make_booking(
        rental, start + dt.timedelta(days=8), start + dt.timedelta(days=9), unavailable=True
    )
    body = feed_of(api, rental)
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        f"{stay.public_id}@testserver",
        f"{block.public_id}@testserver",
    ]
    assert events[0]["DTSTART"].dt == start + dt.timedelta(days=3)
    assert events[0]["DTEND"].dt == start + dt.timedelta(days=6)
    assert "VALUE=DATE" in body.decode().replace("DTSTART;VALUE=DATE", "VALUE=DATE")
    assert [str(e["SUMMARY"]) for e in events] == ["Reserved", "Not available"]
    assert str(past.public_id) not in body.decode()
    # no personal data
    for secret in ("Ada", "Lovelace", "ada@example.com", "1234"):
        assert secret not in body.decode()
    # another parser reads it too
    parsed = vobject.readOne(body.decode())
    assert len(parsed.vevent_list) == 2
    assert parsed.vevent_list[0].dtstart.value == start + dt.timedelta(days=3)


def test_the_url_is_secret_and_regenerating_it_stops_the_old_one(api, rental, client):
    old = export_path(rental.pk, 0)
    assert client.get(old).status_code == 200
    assert client.get(old.replace(".ics", "0.ics")).status_code == 404
    assert client.get(f"/ical/{rental.pk}-{'0' * 40}.ics").status_code == 404
    services.export_token_regenerate(rental=rental)
    assert client.get(old).status_code == 404
    new = api.get(f"/api/v3/rentals/{rental.pk}").json()["rentals"][0]["ical_url"]
    assert new != "http://testserver" + old
    assert client.get(new.removeprefix("http://testserver")).status_code == 200


def test_ical_url_is_only_for_tokens_that_read_rentals(make_api, account, rental):
    reader = make_api(account, "public rentals_read")
    assert "ical_url" in reader.get("/api/v3/rentals").json()["rentals"][0]


def test_a_change_shows_in_the_cached_feed(api, rental, make_booking, client):
    start = today(rental) + dt.timedelta(days=3)
    path = export_path(rental.pk, 0)
    assert b"VEVENT" not in client.get(path).content
    booking = make_booking(rental, start, start + dt.timedelta(days=2))
    assert str(booking.public_id).encode() in client.get(path).content
    from bookings.services import booking_cancel

    booking_cancel(booking=booking)
    assert b"VEVENT" not in client.get(path).content


def test_export_of_one_rental_imported_into_another_reproduces_its_nights(
    api, account, rental, make_rental, make_booking, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    start = today(rental)
    for offset, nights, kind in [
        (0, 2, "booked"),
        (4, 3, "unavailable"),
        (9, 1, "booked"),
        (10, 5, "booked"),
        (40, 7, "booked"),
    ]:
        extra = {"unavailable": True} if kind == "unavailable" else {}
        make_booking(
            rental,
            start + dt.timedelta(days=offset),
            start + dt.timedelta(days=offset + nights),
            **extra,
        )
    body = feed_of(api, rental)
    other = make_rental(account, timezone=rental.timezone)
    with FeedServer() as server:
        server.reply = Reply(body=body)
        feed = services.calendar_feed_create(rental=other, name="Rental A", url=server.url)
        result = feed_sync(feed=feed, now=timezone.now())
    assert result.status == "imported" and result.conflicts == []
    frm = start.strftime("%Y%m%d")
    maps = {
        record["id"]: record["map"]
        for record in api.get(
            f"/api/v3/availabilities/{rental.pk},{other.pk}?from={frm}&boolean=true"
        ).json()["availabilities"]
    }
    assert "1" in maps[rental.pk]
    assert maps[other.pk] == maps[rental.pk]
