"""The admin (subscriptions, test event, deliveries and redelivery) and the enqueue on commit."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from events.actors import Actor
from events.services import EventSpec, events_record
from webhooks.delivery import deliver_pass
from webhooks.models import Delivery, Subscription
from webhooks.signals import enqueue_after_commit

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/admin/webhooks/subscription/"
DELIVERIES = "/admin/webhooks/delivery/"


@pytest.fixture
def manager(manager_client):
    from django.contrib.auth.models import Permission

    manager_client.user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks")
    )
    return manager_client


def test_a_manager_subscribes_in_the_admin_for_their_account(manager, account, receiver):
    response = manager.post(
        f"{SUBSCRIPTIONS}add/",
        {"url": receiver.url, "events": '["booking_created"]', "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get()
    assert subscription.account == account
    assert subscription.application is None
    assert subscription.events == ["booking_created"]
    assert subscription.secret.startswith("whsec_")


def test_the_admin_form_rejects_unknown_events_and_other_schemes(manager, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = manager.post(
        f"{SUBSCRIPTIONS}add/",
        {"url": "http://hooks.example.com/", "events": '["nope"]', "active": "on"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "unknown events: nope" in text and "must be an https URL" in text
    assert Subscription.objects.count() == 0


def test_send_test_event_reaches_the_receiver_signed(manager, account, receiver, make_subscription):
    subscription = make_subscription(account, receiver.url)
    response = manager.post(
        SUBSCRIPTIONS, {"action": "send_test_event", "_selected_action": [subscription.pk]}
    )
    assert response.status_code == 302

    deliver_pass()

    [(headers, body)] = receiver.requests
    payload = Webhook(subscription.secret).verify(body, headers)
    assert payload["event"] == "test" and payload["account_id"] == account.pk
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_the_disabled_reason_shows_in_the_list_and_a_delivery_shows_its_attempts(
    manager, account, receiver, make_subscription
):
    receiver.answers = [410]
    subscription = make_subscription(account, receiver.url)
    manager.post(
        SUBSCRIPTIONS, {"action": "send_test_event", "_selected_action": [subscription.pk]}
    )
    deliver_pass()

    listing = manager.get(SUBSCRIPTIONS).content.decode()
    assert "the receiver answered 410 Gone" in listing
    delivery = Delivery.objects.get()
    page = manager.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "410" in page and "ok" in page  # the attempt row and the response sample


def test_redeliver_attempts_a_delivery_again(manager, account, receiver, make_subscription):
    receiver.answers = [500, 200]
    subscription = make_subscription(account, receiver.url)
    manager.post(
        SUBSCRIPTIONS, {"action": "send_test_event", "_selected_action": [subscription.pk]}
    )
    deliver_pass()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED  # a test event is tried once

    manager.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]})
    deliver_pass()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DELIVERED, 2)


def test_another_accounts_deliveries_are_invisible_to_a_manager(
    manager, other_account, receiver, make_subscription
):
    theirs = make_subscription(other_account, receiver.url)
    Delivery.objects.create(
        account=other_account,
        subscription=theirs,
        event_name="test",
        created_at=timezone.now(),
        next_attempt_at=None,
        give_up_at=timezone.now(),
    )
    assert manager.get(f"{DELIVERIES}{Delivery.objects.get().pk}/change/").status_code == 404
    assert manager.get(f"{SUBSCRIPTIONS}{theirs.pk}/change/").status_code == 404


def test_a_transaction_writing_events_enqueues_one_pass_per_account_on_commit(
    account, other_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for acc in (account, account, other_account):
            events_record(
                account_id=acc.pk,
                actor=Actor.system("test"),
                occurred_at=timezone.now(),
                specs=[EventSpec("booking_updated", "booking", 1)],
            )
        enqueue_after_commit(account.pk)
    assert sorted(callback.webhooks_account_id for callback in callbacks) == sorted(
        [account.pk, other_account.pk]
    )
