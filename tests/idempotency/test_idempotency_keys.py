"""DESIGN §13 through the v3 API: replay, 422 reused, 409 in use, no 5xx stored, 24 h."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from idempotency import services
from idempotency.http import IdempotencyKeyInUse, IdempotencyKeyReused
from idempotency.models import IdempotencyKey
from idempotency.tasks import purge_expired_keys
from overbooked.api.errors import exception_handler as overbooked_handler


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()


def _body(days: int = 3, notes: str = "") -> dict:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return {
        "bookings": [
            {
                "start_at": start.isoformat(),
                "end_at": (start + dt.timedelta(days=2)).isoformat(),
                "booked": True,
                "notes": notes,
            }
        ]
    }


def _post(api: APIClient, rental, body: dict, key: str | None = "key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json", **headers)


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_stored_response_without_running_again(api, rental):
    body = _body()
    first = _post(api, rental, body)
    again = _post(api, rental, body)

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert again.content == first.content
    assert again["Location"] == first["Location"]
    assert again["Content-Type"] == first["Content-Type"]
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_idempotency_key_reused(api, rental):
    _post(api, rental, _body(notes="a"))
    response = _post(api, rental, _body(notes="b"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_on_another_path_is_reused_too(api, rental, make_rental, account):
    other = make_rental(account)
    _post(api, rental, _body())
    response = _post(api, other, _body())
    assert response.status_code == 422


@pytest.mark.django_db
def test_a_key_still_running_is_409_idempotency_key_in_use(api, rental):
    body = _body()
    owner = f"app:{api.application.pk}"
    raw = api.post  # the fingerprint of exactly the request below
    services.key_claim(
        account_id=api.application.account_id,
        owner=owner,
        key="key-1",
        fingerprint=services.request_fingerprint(
            method="POST",
            path=f"/api/v3/rentals/{rental.pk}/bookings",
            body=APIClient()._encode_data(body, format="json")[0],
        ),
        now=timezone.now(),
    )
    response = raw(
        f"/api/v3/rentals/{rental.pk}/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_in_use"
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_a_claim_whose_request_never_finished_stays_in_use_until_it_expires(api, rental):
    """Its process may have died after the work was done: never run it a second time."""
    IdempotencyKey.objects.create(
        account_id=api.application.account_id,
        owner=f"app:{api.application.pk}",
        key="key-1",
        fingerprint="x" * 64,
        created_at=timezone.now() - dt.timedelta(hours=23),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    body = _body()
    IdempotencyKey.objects.update(
        fingerprint=services.request_fingerprint(
            method="POST",
            path=f"/api/v3/rentals/{rental.pk}/bookings",
            body=APIClient()._encode_data(body, format="json")[0],
        )
    )
    assert _post(api, rental, body).status_code == 409
    IdempotencyKey.objects.update(expires_at=timezone.now())
    assert _post(api, rental, body).status_code == 201


@pytest.mark.django_db
def test_after_24_hours_the_key_is_free_again(api, rental):
    _post(api, rental, _body(days=3))
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = _post(api, rental, _body(days=10))

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Booking.objects.count() == 2


@pytest.mark.django_db
def test_keys_are_per_application(api, make_api, account, rental):
    other_app = make_api(account)
    assert _post(api, rental, _body(days=3)).status_code == 201
    response = _post(other_app, rental, _body(days=10))
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")


@pytest.mark.django_db
def test_an_error_answer_is_stored_and_replayed_too(api, rental):
    bad = {"bookings": [{"start_at": "nonsense", "booked": True}]}
    first = _post(api, rental, bad)
    again = _post(api, rental, bad)
    assert first.status_code == again.status_code == 422
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


@pytest.mark.django_db
def test_a_5xx_is_not_stored_so_a_retry_runs_again(account):
    from django.http import HttpResponse

    from idempotency.http import idempotency_finish

    now = timezone.now()
    claim = services.key_claim(
        account_id=account.pk, owner="app:1", key="k", fingerprint="f" * 64, now=now
    )
    assert isinstance(claim, services.Claim)
    idempotency_finish(claim, HttpResponse(status=503))

    again = services.key_claim(
        account_id=account.pk, owner="app:1", key="k", fingerprint="f" * 64, now=now
    )
    assert isinstance(again, services.Claim) and again != claim
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_a_key_is_stored_with_the_callers_account(api, rental):
    assert _post(api, rental, _body()).status_code == 201
    [row] = IdempotencyKey.objects.values_list("account_id", "owner", "key")
    assert row == (rental.account_id, f"app:{api.application.pk}", "key-1")


@pytest.mark.django_db
def test_a_cancel_with_a_key_is_replayed_as_204(api, rental):
    booking_id = _post(api, rental, _body(), key=None).json()["bookings"][0]["id"]
    first = api.delete(f"/api/v3/bookings/{booking_id}", HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = api.delete(f"/api/v3/bookings/{booking_id}", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == again.status_code == 204
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_malformed_key_is_400_bad_request(api, rental, key):
    response = _post(api, rental, _body(), key=key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"
    assert Booking.objects.count() == 0


@pytest.mark.django_db
def test_reads_ignore_the_key(api):
    response = api.get("/api/v3/bookings", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 200
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db
def test_a_key_costs_two_statements_one_claim_before_the_work_one_store_after(api, rental):
    with CaptureQueriesContext(connection) as without:
        assert _post(api, rental, _body(days=3), key=None).status_code == 201
    with CaptureQueriesContext(connection) as with_key:
        assert _post(api, rental, _body(days=10), key="fresh").status_code == 201
    extra = len(with_key.captured_queries) - len(without.captured_queries)
    assert extra == 2
    statements = [q["sql"] for q in with_key.captured_queries]
    assert statements[0].startswith("SELECT")  # the token, then the claim before the work
    claim = next(i for i, sql in enumerate(statements) if "idempotency_idempotencykey" in sql)
    assert statements[claim].startswith("INSERT")
    assert statements[-1].startswith("UPDATE") and "idempotency_idempotencykey" in statements[-1]


@pytest.mark.django_db
def test_the_purge_task_deletes_expired_keys_only(account):
    now = timezone.now()
    for key, expires in (
        ("old", now - dt.timedelta(seconds=1)),
        ("live", now + dt.timedelta(hours=1)),
    ):
        IdempotencyKey.objects.create(
            account=account,
            owner="app:1",
            key=key,
            fingerprint="f",
            created_at=now,
            expires_at=expires,
        )
    assert purge_expired_keys.apply().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]


def test_the_overbooked_api_renders_the_key_errors_in_its_own_envelope():
    reused = overbooked_handler(IdempotencyKeyReused(), {})
    in_use = overbooked_handler(IdempotencyKeyInUse(), {})
    assert reused.status_code == 422 and in_use.status_code == 409
    assert reused.data["error"]["code"] == "idempotency_key_reused"
    assert in_use.data["error"]["code"] == "idempotency_key_in_use"
    assert reused.data["success"] is False


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_with_one_key_make_exactly_one_booking(api, rental):
    """Real parallel requests, each thread with its own database connection: one runs,
    the others get the replayed 201 or 409 while it runs."""
    body = _body()
    count = 20
    start = threading.Barrier(count)
    results: list = [None] * count

    def post(index: int) -> None:
        try:
            start.wait(timeout=30)
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=api._credentials["HTTP_AUTHORIZATION"])
            response = _post(client, rental, body)
            results[index] = (response.status_code, response.get("Idempotent-Replayed"))
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert Booking.objects.count() == 1
    assert all(isinstance(r, tuple) for r in results), results
    executed = [r for r in results if r == (201, None)]
    replayed = [r for r in results if r == (201, "true")]
    in_use = [r for r in results if r[0] == 409]
    assert len(executed) == 1
    assert len(executed) + len(replayed) + len(in_use) == count
