"""`/api/v3/webhook_subscriptions` (DESIGN §11): scopes, secret once, validation, tenancy."""

from __future__ import annotations

import pytest
from django.utils import timezone

from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

PATH = "/api/v3/webhook_subscriptions"


@pytest.fixture(autouse=True)
def _https_only(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False  # the production default


def _create(api, **fields):
    fields.setdefault("url", "https://hooks.example.com/in")
    return api.post(PATH, {"webhook_subscriptions": [fields]}, format="json")


def test_create_answers_201_with_the_secret_once_and_a_location(api):
    response = _create(api, events=["booking_created", "booking_updated"])

    assert response.status_code == 201, response.content
    [record] = response.json()["webhook_subscriptions"]
    assert record["secret"].startswith("whsec_")
    assert record["events"] == ["booking_created", "booking_updated"]
    assert record["active"] is True
    assert record["links"]["application"] == api.application.pk
    assert response["Location"].endswith(f"{PATH}/{record['id']}")
    shown = api.get(f"{PATH}/{record['id']}").json()["webhook_subscriptions"][0]
    assert "secret" not in shown
    assert Subscription.objects.get().secret == record["secret"]


def test_omitted_or_star_events_mean_every_event(api):
    assert _create(api).json()["webhook_subscriptions"][0]["events"] == ["*"]
    assert _create(api, events=["*"]).json()["webhook_subscriptions"][0]["events"] == ["*"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "http://hooks.example.com/in"}, "url"),
        ({"url": "ftp://hooks.example.com/in"}, "url"),
        ({"url": "https://user:pw@hooks.example.com/in"}, "url"),
        ({"url": "https:///nohost"}, "url"),
        ({"url": "https://" + "a" * 2000 + ".com"}, "url"),
        ({"events": ["booking_exploded"]}, "events"),
        ({"events": ["booking_created"] * 101}, "events"),
        ({"events": "booking_created"}, "events"),
        ({"active": "perhaps"}, "active"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, fields, field):
    response = _create(api, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field


def test_a_url_is_required_on_create(api):
    response = api.post(PATH, {"webhook_subscriptions": [{"events": []}]}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"


def test_http_urls_are_accepted_when_webhooks_allow_http(api, settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    assert _create(api, url="http://127.0.0.1:9/in").status_code == 201


def test_reading_needs_webhooks_read_or_write_and_writing_needs_webhooks_write(make_api, account):
    reader = make_api(account, "webhooks_read")
    nothing = make_api(account, "bookings_read")
    assert reader.get(PATH).status_code == 200
    assert _create(reader).status_code == 403
    assert "webhooks_write" in _create(reader).json()["errors"][0]["title"]
    assert nothing.get(PATH).status_code == 403


def test_an_application_sees_only_its_own_subscriptions(api, make_api, account, other_account):
    mine = _create(api).json()["webhook_subscriptions"][0]["id"]
    same_account_other_app = make_api(account)
    other_tenant = make_api(other_account)
    for client in (same_account_other_app, other_tenant):
        assert client.get(PATH).json()["webhook_subscriptions"] == []
        assert client.get(f"{PATH}/{mine}").status_code == 404
        assert client.delete(f"{PATH}/{mine}").status_code == 404
    assert [s["id"] for s in api.get(PATH).json()["webhook_subscriptions"]] == [mine]


def test_patch_changes_fields_and_deactivating_gives_up_pending_deliveries(api, account):
    created = _create(api).json()["webhook_subscriptions"][0]
    subscription = Subscription.objects.get()
    Delivery.objects.create(
        account=account,
        subscription=subscription,
        event_name="booking_updated",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
        give_up_at=timezone.now(),
    )
    response = api.patch(
        f"{PATH}/{created['id']}",
        {"webhook_subscriptions": [{"active": False, "events": ["booking_destroyed"]}]},
        format="json",
    )

    assert response.status_code == 200
    record = response.json()["webhook_subscriptions"][0]
    assert record["active"] is False
    assert record["events"] == ["booking_destroyed"]
    assert record["disabled_reason"] == "disabled by a user"
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_patch_active_true_re_enables_and_clears_the_reason(api):
    created = _create(api).json()["webhook_subscriptions"][0]
    Subscription.objects.update(active=False, disabled_reason="the receiver answered 410 Gone")

    response = api.patch(
        f"{PATH}/{created['id']}", {"webhook_subscriptions": [{"active": True}]}, format="json"
    )

    record = response.json()["webhook_subscriptions"][0]
    assert (record["active"], record["disabled_reason"]) == (True, "")


def test_delete_answers_204_and_removes_it(api):
    created = _create(api).json()["webhook_subscriptions"][0]
    assert api.delete(f"{PATH}/{created['id']}").status_code == 204
    assert Subscription.objects.count() == 0


def test_create_with_an_idempotency_key_subscribes_once(api):
    body = {"webhook_subscriptions": [{"url": "https://hooks.example.com/in"}]}
    first = api.post(PATH, body, format="json", HTTP_IDEMPOTENCY_KEY="sub-1")
    again = api.post(PATH, body, format="json", HTTP_IDEMPOTENCY_KEY="sub-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Subscription.objects.count() == 1
