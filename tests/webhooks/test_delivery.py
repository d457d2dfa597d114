"""Delivery passes (webhooks/delivery.py) against a real receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
import urllib3.util.connection
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks import Webhook

from webhooks.delivery import deliver_pass
from webhooks.models import Attempt, Delivery, Subscription
from webhooks.signing import bookingsync_signature

pytestmark = pytest.mark.django_db


def _booking_id(api, rental, days: int = 3) -> int:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {
            "bookings": [
                {
                    "start_at": start.isoformat(),
                    "end_at": (start + dt.timedelta(days=2)).isoformat(),
                    "booked": True,
                    "notes": "late arrival",
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["bookings"][0]["id"]


def _make_due() -> None:
    """What waiting for the backoff would do."""
    Delivery.objects.filter(status=Delivery.Status.PENDING).update(next_attempt_at=timezone.now())


def test_an_event_reaches_the_receiver_with_its_record_and_both_signatures(
    api, account, rental, receiver, make_subscription, record_event
):
    subscription = make_subscription(account, receiver.url)
    booking_id = _booking_id(api, rental)
    event = record_event(account, booking_id)

    result = deliver_pass()

    assert (result.attempted, result.delivered) == (1, 1)
    [(headers, body)] = receiver.requests
    payload = Webhook(subscription.secret).verify(body, headers)
    assert headers["X-Content-Signature"] == bookingsync_signature(subscription.secret, body)
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Bookings-Webhooks/1"
    assert payload["account_id"] == account.pk
    assert payload["event"] == "booking_updated"
    assert payload["event_id"] == event.id
    assert payload["changes"] == {"notes": ["", "late arrival"]}
    [record] = payload["resource"]["bookings"]
    assert record["id"] == booking_id
    assert record["status"] == "Booked"
    assert record["notes"] == "late arrival"  # every field: an admin subscription sees all
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.DELIVERED
    assert headers["Webhook-Id"] == delivery.webhook_id


def test_a_public_application_gets_only_the_fields_it_may_see(
    api, account, rental, receiver, make_subscription, make_application, record_event
):
    public_app = make_application(account, "public")
    make_subscription(account, receiver.url, application=public_app)
    record_event(account, _booking_id(api, rental))

    deliver_pass()

    [record] = receiver.bodies()[0]["resource"]["bookings"]
    assert "notes" not in record
    assert set(record) == {"id", "reference", "status", "start_at", "end_at", "updated_at", "links"}


def test_a_receiver_failing_three_times_gets_the_event_four_times_and_the_log_shows_it(
    api, account, rental, receiver, make_subscription, record_event
):
    receiver.answers = [500, 500, 500, 200]
    make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))

    deliver_pass()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    # Backoff with jitter: the first retry within a minute, not at once.
    assert timezone.now() < delivery.next_attempt_at <= timezone.now() + dt.timedelta(minutes=1)
    for _ in range(3):
        _make_due()
        deliver_pass()

    assert len(receiver.requests) == 4
    assert len({headers["Webhook-Id"] for headers, _ in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DELIVERED, 4)
    log = list(delivery.attempt_log.order_by("id").values_list("status_code", "success", "error"))
    assert log == [
        (500, False, "HTTP 500"),
        (500, False, "HTTP 500"),
        (500, False, "HTTP 500"),
        (200, True, ""),
    ]


def test_410_gone_disables_the_subscription_at_once_with_the_reason(
    api, account, rental, receiver, make_subscription, record_event
):
    receiver.answers = [410]
    subscription = make_subscription(account, receiver.url)
    booking_id = _booking_id(api, rental)
    record_event(account, booking_id)
    record_event(account, booking_id)

    deliver_pass()

    subscription.refresh_from_db()
    assert subscription.active is False
    assert "410 Gone" in subscription.disabled_reason
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.FAILED}
    record_event(account, booking_id)
    _make_due()
    deliver_pass()
    assert len(receiver.requests) == 2  # nothing more to a disabled subscription


def test_a_redirect_is_a_failure_and_is_not_followed(
    api, account, rental, receiver, make_subscription, record_event
):
    receiver.answers = [302]
    receiver.headers[302] = {"Location": "http://127.0.0.1:1/elsewhere"}
    make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))

    deliver_pass()

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert "redirect" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_delivery_is_given_up_after_its_three_day_window(
    api, account, rental, receiver, make_subscription, record_event
):
    receiver.answers = [503]
    make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))
    deliver_pass()
    Delivery.objects.update(give_up_at=timezone.now(), next_attempt_at=timezone.now())

    deliver_pass()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)
    assert delivery.next_attempt_at is None


def test_a_subscription_whose_deliveries_all_failed_for_three_days_is_disabled(
    api, account, rental, receiver, make_subscription, record_event
):
    receiver.answers = [500]
    subscription = make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))
    deliver_pass()
    subscription.refresh_from_db()
    assert subscription.failing_since is not None and subscription.active
    Subscription.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=3, minutes=1)
    )
    _make_due()

    deliver_pass()

    subscription.refresh_from_db()
    assert subscription.active is False
    assert subscription.disabled_reason.startswith("every delivery failed for 3 days")
    assert "HTTP 500" in subscription.disabled_reason


def test_a_success_clears_the_failing_streak(
    api, account, rental, receiver, make_subscription, record_event
):
    receiver.answers = [500, 200]
    subscription = make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))
    deliver_pass()
    _make_due()
    deliver_pass()
    subscription.refresh_from_db()
    assert subscription.failing_since is None
    assert subscription.last_success_at is not None


@pytest.mark.parametrize("internal", ["10.0.0.1", "169.254.169.254"])
def test_a_url_resolving_to_an_internal_address_is_never_connected_to(
    internal, settings, monkeypatch, api, account, rental, make_subscription, record_event
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host == "hooks.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (internal, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    connected: list[tuple] = []
    real_connect = urllib3.util.connection.create_connection

    def connect(address, *args, **kwargs):
        connected.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", connect)
    make_subscription(account, "https://hooks.example.test/hook")
    record_event(account, _booking_id(api, rental))

    deliver_pass()

    assert connected == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert "forbidden address" in attempt.error and internal in attempt.error


def test_one_delivery_per_event_and_subscription_only_for_wanted_events_after_it_was_created(
    api, account, other_account, rental, receiver, make_subscription, record_event
):
    booking_id = _booking_id(api, rental)
    before = record_event(account, booking_id, occurred_at=timezone.now() - dt.timedelta(hours=1))
    wants_updates = make_subscription(account, receiver.url)
    wants_all = make_subscription(account, receiver.url, events=[])
    make_subscription(other_account, receiver.url, events=[])
    updated = record_event(account, booking_id)
    rental_event = record_event(account, rental.pk, event="rental_updated", resource_type="rental")

    first = deliver_pass()
    second = deliver_pass()  # nothing new: no duplicate

    assert (first.created, second.created) == (3, 0)
    pairs = set(Delivery.objects.values_list("event_id", "subscription_id"))
    assert pairs == {
        (updated.id, wants_updates.pk),
        (updated.id, wants_all.pk),
        (rental_event.id, wants_all.pk),
    }
    assert before.id not in {event_id for event_id, _ in pairs}
    rental_record = next(b for b in receiver.bodies() if b["event"] == "rental_updated")
    assert rental_record["resource"]["rentals"][0]["name"] == rental.name


def test_client_events_need_a_clients_scope(
    account, receiver, make_subscription, make_application, record_event, guest
):
    bookings_only = make_subscription(
        account, receiver.url, events=[], application=make_application(account, "bookings_read")
    )
    with_clients = make_subscription(
        account, receiver.url, events=[], application=make_application(account, "clients_read")
    )
    record_event(account, guest.pk, event="client_updated", resource_type="client")

    deliver_pass()

    assert set(Delivery.objects.values_list("subscription_id", flat=True)) == {with_clients.pk}
    assert bookings_only.pk not in set(Delivery.objects.values_list("subscription_id", flat=True))
    assert receiver.bodies()[0]["resource"]["clients"][0]["fullname"] == "Ada Lovelace"


def test_the_command_runs_one_pass_and_prints_the_counts(
    api, account, rental, receiver, make_subscription, record_event, capsys
):
    make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))

    call_command("deliver_webhooks")

    assert "1 deliveries created, 1 attempted, 1 delivered" in capsys.readouterr().out
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(
    api, account, rental, receiver, make_subscription, record_event
):
    from webhooks import services

    make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))
    services.deliveries_fan_out(now=timezone.now())
    now = timezone.now()
    lease = dt.timedelta(seconds=60)

    first = services.deliveries_claim(now=now, limit=10, lease=lease)
    again = services.deliveries_claim(now=now, limit=10, lease=lease)
    after_lease = services.deliveries_claim(now=now + lease, limit=10, lease=lease)

    assert len(first) == 1 and again == [] and [d.pk for d in after_lease] == [first[0].pk]


def test_a_subscription_deleted_while_its_deliveries_are_in_flight_is_no_error(
    api, account, rental, receiver, make_subscription, record_event
):
    from webhooks import services
    from webhooks.delivery import post

    subscription = make_subscription(account, receiver.url)
    record_event(account, _booking_id(api, rental))
    services.deliveries_fan_out(now=timezone.now())
    [delivery] = services.deliveries_claim(
        now=timezone.now(), limit=10, lease=dt.timedelta(seconds=60)
    )
    outcome = post(receiver.url, b"{}", {})
    services.subscription_delete(subscription=subscription)

    services.attempts_record(results=[(delivery, outcome)], now=timezone.now())

    assert Attempt.objects.count() == 0 and Delivery.objects.count() == 0


def test_a_series_event_carries_the_series_record_to_a_bookings_reader_only(
    api, account, rental, receiver, make_subscription, make_application
):
    reader = make_subscription(
        account,
        receiver.url,
        events=["booking_series_created"],
        application=make_application(account, "bookings_read"),
    )
    make_subscription(
        account,
        receiver.url,
        events=["booking_series_created"],
        application=make_application(account, "public"),
    )
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + dt.timedelta(days=3)
    response = api.post(
        f"/api/v3/rentals/{rental.pk}/bookings",
        {
            "bookings": [
                {
                    "start_at": start.isoformat(),
                    "end_at": (start + dt.timedelta(hours=2)).isoformat(),
                    "booked": True,
                    "recurrence": {"rrule": "FREQ=DAILY;COUNT=3"},
                }
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    occurrences = [record["id"] for record in response.json()["bookings"]]

    deliver_pass()

    assert set(Delivery.objects.values_list("subscription_id", flat=True)) == {reader.pk}
    [body] = receiver.bodies()
    assert body["event"] == "booking_series_created"
    [series] = body["resource"]["booking_series"]
    assert series["rrule"] == "FREQ=DAILY;COUNT=3"
    assert series["links"] == {"rental": rental.pk, "bookings": occurrences}
