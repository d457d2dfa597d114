"""Importing Airbnb-style feeds served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking
from calendars import services
from calendars.importer import MAX_FEED_BYTES, feed_sync
from calendars.models import CalendarFeed
from events.models import Event
from tests.calendars.feed_server import FeedServer, Reply, airbnb_feed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_addresses_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the test server is on 127.0.0.1


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def feed(rental, server) -> CalendarFeed:
    return services.calendar_feed_create(rental=rental, name="Airbnb", url=server.url)


def day(offset: int) -> dt.date:
    return timezone.now().date() + dt.timedelta(days=offset)


def ymd(offset: int) -> str:
    return day(offset).strftime("%Y%m%d")


def mirrored(feed):
    return list(
        Booking.objects.filter(rental=feed.rental, source=feed.name)
        .exclude(status="canceled")
        .order_by("start_at")
    )


def test_first_import_mirrors_events_as_unavailable_bookings(server, feed, rental):
    server.reply = Reply(
        body=airbnb_feed(("a1@airbnb.com", ymd(10), ymd(13)), ("a2@airbnb.com", ymd(20), ymd(22)))
    )
    result = feed_sync(feed=feed, now=timezone.now())
    assert (result.status, result.created, result.conflicts) == ("imported", 2, [])
    first, second = mirrored(feed)
    assert first.status == "unavailable"
    assert first.external_reference == "a1@airbnb.com"
    assert first.imported is True
    tz = rental.tzinfo
    assert first.start_at.astimezone(tz).date() == day(10)
    assert first.start_at.astimezone(tz).time() == rental.checkin_time
    assert first.end_at.astimezone(tz).date() == day(13)
    assert first.end_at.astimezone(tz).time() == rental.checkout_time
    assert second.start_at.astimezone(tz).date() == day(20)
    assert Event.objects.filter(event="availability_updated", resource_id=rental.pk).count() == 2
    feed.refresh_from_db()
    assert feed.last_synced_at is not None and feed.last_error == ""
    # a second identical pass changes nothing
    again = feed_sync(feed=feed, now=timezone.now())
    assert (again.created, again.moved, again.canceled) == (0, 0, 0)
    assert len(mirrored(feed)) == 2


def test_a_moved_event_moves_its_booking(server, feed, rental):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    feed_sync(feed=feed, now=timezone.now())
    (booking,) = mirrored(feed)
    server.reply = Reply(body=airbnb_feed(("a1", ymd(15), ymd(17))))
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.moved == 1
    (moved,) = mirrored(feed)
    assert moved.pk == booking.pk
    assert moved.start_at.astimezone(rental.tzinfo).date() == day(15)


def test_a_removed_event_cancels_its_booking(server, feed):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13)), ("a2", ymd(20), ymd(21))))
    feed_sync(feed=feed, now=timezone.now())
    server.reply = Reply(body=airbnb_feed(("a2", ymd(20), ymd(21))))
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.canceled == 1
    assert [b.external_reference for b in mirrored(feed)] == ["a2"]
    gone = Booking.objects.get(external_reference="a1")
    assert gone.status == "canceled"


def test_an_event_over_a_direct_booking_is_a_conflict_and_overwrites_nothing(
    server, feed, rental, api
):
    from tests.factories import booking_create

    direct = booking_create(
        rental=rental,
        data={"booked": True, "start_at": day(11).isoformat(), "end_at": day(14).isoformat()},
    )
    server.reply = Reply(body=airbnb_feed(("clash", ymd(10), ymd(12)), ("free", ymd(20), ymd(21))))
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.created == 1
    assert result.conflicts == [
        {
            "uid": "clash",
            "start_date": day(10).isoformat(),
            "end_date": day(12).isoformat(),
            "booking_id": direct.pk,
            "reference": direct.reference,
        }
    ]
    direct.refresh_from_db()
    assert direct.status == "booked" and direct.start_at.astimezone(rental.tzinfo).date() == day(11)
    (record,) = api.get(f"/api/v3/rentals/{rental.pk}/calendar_feeds").json()["calendar_feeds"]
    assert record["conflicts"] == result.conflicts


def test_not_modified_keeps_everything_and_sends_the_validators(server, feed):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))), headers={"ETag": '"v1"'})
    feed_sync(feed=feed, now=timezone.now())
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.status == "not_modified"
    assert server.requests[-1]["if-none-match"] == '"v1"'
    assert len(mirrored(feed)) == 1


def test_a_failing_feed_keeps_its_last_good_state_and_shows_the_error(server, feed, api, rental):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    feed_sync(feed=feed, now=timezone.now())
    feed.refresh_from_db()
    synced_at = feed.last_synced_at
    server.reply = Reply(status=500, body=b"oops")
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.status == "failed" and "500" in result.error
    assert len(mirrored(feed)) == 1
    feed.refresh_from_db()
    assert feed.last_synced_at == synced_at
    (record,) = api.get(f"/api/v3/rentals/{rental.pk}/calendar_feeds").json()["calendar_feeds"]
    assert "500" in record["last_error"]
    # it recovers on the next good answer
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    assert feed_sync(feed=feed, now=timezone.now()).status == "imported"
    feed.refresh_from_db()
    assert feed.last_error == ""


def test_a_feed_over_5_mb_is_refused_and_changes_nothing(server, feed):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    feed_sync(feed=feed, now=timezone.now())
    padding = "X-PADDING:" + "x" * 60
    big = airbnb_feed(extra="\r\n".join([padding] * (6 * 1024 * 1024 // 70)))
    assert len(big) > MAX_FEED_BYTES
    server.reply = Reply(body=big)
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.status == "failed"
    assert len(mirrored(feed)) == 1


def test_a_feed_on_a_private_address_is_refused_by_default(server, feed, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.status == "failed"
    assert server.requests == []
    assert mirrored(feed) == []


def test_recurring_events_are_expanded(server, feed):
    start = day(7)
    rule = (
        "BEGIN:VEVENT\r\nUID:weekly@example.com\r\n"
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n"
        f"DTEND;VALUE=DATE:{start + dt.timedelta(days=1):%Y%m%d}\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Owner\r\nDTSTAMP:20261201T000000Z\r\nEND:VEVENT"
    )
    server.reply = Reply(body=airbnb_feed(extra=rule))
    result = feed_sync(feed=feed, now=timezone.now())
    assert result.created == 4
    dates = [b.start_at.astimezone(feed.rental.tzinfo).date() for b in mirrored(feed)]
    assert dates == [start + dt.timedelta(weeks=n) for n in range(4)]


def test_the_command_runs_one_pass(server, feed, capsys):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    call_command("sync_calendar_feeds", "--rental", str(feed.rental_id))
    assert '"created": 1' in capsys.readouterr().out
    assert len(mirrored(feed)) == 1


def test_deleting_a_feed_frees_its_nights(server, feed, api):
    server.reply = Reply(body=airbnb_feed(("a1", ymd(10), ymd(13))))
    feed_sync(feed=feed, now=timezone.now())
    assert api.delete(f"/api/v3/calendar_feeds/{feed.pk}").status_code == 204
    assert mirrored(feed) == []
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()
