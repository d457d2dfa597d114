"""The calendar feeds API (rentals_read / rentals_write) and the admin pages of calendar sync
and payments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calendars.models import CalendarFeed
from tests import factories as booking_services

pytestmark = pytest.mark.django_db


def test_feeds_are_listed_created_and_deleted_with_rental_scopes(make_api, account, rental):
    writer = make_api(account, "public rentals_write")
    body = {
        "calendar_feeds": [{"name": "Airbnb", "url": "https://www.airbnb.com/calendar/ical/1.ics"}]
    }
    response = writer.post(f"/api/v3/rentals/{rental.pk}/calendar_feeds", body, format="json")
    assert response.status_code == 201, response.json()
    (feed,) = response.json()["calendar_feeds"]
    assert feed["links"] == {"rental": rental.pk}
    assert (feed["last_synced_at"], feed["last_error"], feed["conflicts"]) == (None, None, [])
    reader = make_api(account, "public rentals_read")
    listed = reader.get(f"/api/v3/rentals/{rental.pk}/calendar_feeds/").json()["calendar_feeds"]
    assert [f["id"] for f in listed] == [feed["id"]]
    assert (
        reader.post(f"/api/v3/rentals/{rental.pk}/calendar_feeds", body, format="json").status_code
        == 403
    )
    assert reader.delete(f"/api/v3/calendar_feeds/{feed['id']}").status_code == 403
    assert writer.delete(f"/api/v3/calendar_feeds/{feed['id']}").status_code == 204
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "A", "url": "ftp://example.com/x.ics"}, "url"),
        ({"name": "A", "url": "https://"}, "url"),
        ({"name": "A", "url": "https://example.com/" + "x" * 2000}, "url"),
        ({"name": "", "url": "https://example.com/x.ics"}, "name"),
        ({"url": "https://example.com/x.ics"}, "name"),
    ],
)
def test_bad_feeds_are_422(api, rental, fields, field):
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/calendar_feeds", {"calendar_feeds": [fields]}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_another_accounts_rental_and_feed_are_not_found(api, other_account, make_rental):
    foreign = make_rental(other_account)
    feed = CalendarFeed.objects.create(
        account=other_account, rental=foreign, name="x", url="https://example.com/x.ics"
    )
    assert api.get(f"/api/v3/rentals/{foreign.pk}/calendar_feeds").status_code == 404
    assert api.delete(f"/api/v3/calendar_feeds/{feed.pk}").status_code == 404


def test_the_rental_page_shows_the_export_url_and_double_booking_alerts(manager_client, rental):
    booking = booking_services.booking_create(
        rental=rental,
        data={"booked": True, "start_at": "2031-01-10", "end_at": "2031-01-12"},
    )
    CalendarFeed.objects.create(
        account=rental.account,
        rental=rental,
        name="Vrbo",
        url="https://example.com/x.ics",
        conflicts=[
            {
                "uid": "vrbo-1",
                "start_date": "2031-01-11",
                "end_date": "2031-01-13",
                "booking_id": booking.pk,
                "reference": booking.reference,
            }
        ],
    )
    page = manager_client.get(f"/admin/rentals/rental/{rental.pk}/change/").content.decode()
    assert f"/ical/{rental.pk}-" in page
    assert "Double booking" in page and "vrbo-1" in page and booking.reference in page
    listing = manager_client.get("/admin/calendars/calendarfeed/?conflicts=yes").content.decode()
    assert "Vrbo" in listing


def test_the_admin_regenerates_the_export_url(manager_client, rental):
    from calendars.export import export_path

    old = export_path(rental.pk, 0)
    manager_client.post(
        "/admin/rentals/rental/",
        {"action": "regenerate_ical_export", "_selected_action": [rental.pk]},
    )
    assert manager_client.get(old).status_code == 404


def test_a_manager_records_a_payment_on_the_booking_page(manager_client, rental):
    start = timezone.now().date() + dt.timedelta(days=5)
    booking = booking_services.booking_create(
        rental=rental,
        data={
            "booked": True,
            "start_at": start.isoformat(),
            "end_at": (start + dt.timedelta(days=2)).isoformat(),
            "initial_price": "300",
        },
    )
    page = manager_client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert f"/admin/payments/payment/add/?booking={booking.pk}" in page
    paid_at = timezone.now() - dt.timedelta(hours=1)
    response = manager_client.post(
        "/admin/payments/payment/add/",
        {
            "booking": booking.pk,
            "amount": "120.00",
            "currency": "EUR",
            "kind": "cash",
            "paid_at_0": paid_at.strftime("%Y-%m-%d"),
            "paid_at_1": paid_at.strftime("%H:%M:%S"),
            "fullname": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (str(booking.paid_amount), booking.bookings_payments_count) == ("120.00", 1)
    page = manager_client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert "120.00" in page


def test_a_manager_adds_a_feed_and_a_bad_url_is_refused(manager_client, rental):
    response = manager_client.post(
        "/admin/calendars/calendarfeed/add/",
        {"rental": rental.pk, "name": "Vrbo", "url": "https://www.vrbo.com/icalendar/x.ics"},
    )
    assert response.status_code == 302
    feed = CalendarFeed.objects.get()
    assert (feed.account_id, feed.rental_id, feed.name) == (rental.account_id, rental.pk, "Vrbo")
    page = manager_client.get(f"/admin/rentals/rental/{rental.pk}/change/").content.decode()
    assert "Vrbo" in page
    response = manager_client.post(
        "/admin/calendars/calendarfeed/add/",
        {"rental": rental.pk, "name": "Bad", "url": "file:///etc/passwd"},
    )
    assert response.status_code == 200
    assert "must be an http or https URL" in response.content.decode()
    assert CalendarFeed.objects.count() == 1
