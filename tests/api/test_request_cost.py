"""The per-request shortcuts keep their guarantees (docs/performance.md, "per-request cost"):
the cached token lookup revokes at once, the one-round-trip rate limit still counts and
refuses, a create's record (rendered without re-reading) is the record a read returns,
and the orjson renderer writes DRF's bytes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer
from rest_framework.test import APIClient

from core import authentication
from core.renderers import JSONRenderer
from tests.api.conftest import iso, wrap
from tests.expiry.conftest import require_redis


@pytest.fixture
def redis_cache(settings):
    """The cache on Redis, as in every deployment with more than one process."""
    url = require_redis()
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": url}}
    cache.clear()
    yield
    cache.clear()


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


def token_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "oauth2_provider_accesstoken" in q["sql"]]


def test_a_cached_token_authenticates_without_a_query(
    redis_cache, account, make_application, make_token
):
    client = bearer(make_token(make_application(account)))
    assert client.get("/api/v3/auth").status_code == 200  # reads the token, caches it
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v3/auth")
    assert response.status_code == 200
    assert token_queries(queries) == []
    assert response.json()["auth"][0]["account_id"] == account.pk


def test_a_revoked_token_stops_at_once_although_it_was_cached(
    redis_cache, account, make_application, make_token
):
    token = make_token(make_application(account))
    client = bearer(token)
    assert client.get("/api/v3/bookings").status_code == 200
    assert client.get("/api/v3/bookings").status_code == 200  # served from the cache
    token.revoke()
    assert client.get("/api/v3/bookings").status_code == 401


def test_a_token_expired_by_a_save_stops_at_once(
    redis_cache, account, make_application, make_token
):
    token = make_token(make_application(account))
    client = bearer(token)
    assert client.get("/api/v3/bookings").status_code == 200
    token.expires = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    assert client.get("/api/v3/bookings").status_code == 401


def test_a_cached_token_still_expires_on_time(redis_cache, account, make_application, make_token):
    token = make_token(make_application(account))
    client = bearer(token)
    assert client.get("/api/v3/bookings").status_code == 200
    # Past its expiry without any write: the cached entry carries the expiry.
    key = authentication._cache_key(token.token_checksum)
    entry = cache.get(key)
    assert entry is not None
    cache.set(key, (*entry[:1], timezone.now() - dt.timedelta(seconds=1), *entry[2:]))
    assert client.get("/api/v3/bookings").status_code == 401


def test_a_request_that_read_the_token_before_its_revocation_cannot_cache_it(
    redis_cache, account, make_application, make_token
):
    token = make_token(make_application(account))
    key = authentication._cache_key(token.token_checksum)
    authentication.forget_tokens([token.token_checksum])  # the revocation's marker
    # The late request adds its entry only where nothing is: the marker stays.
    assert cache.add(key, (token.pk, token.expires, token.scope, 1, 1, None)) is False
    assert cache.get(key) == "revoked"


def test_changing_an_application_forgets_its_tokens(
    redis_cache, account, other_account, make_application, make_token
):
    application = make_application(account)
    client = bearer(make_token(application))
    assert client.get("/api/v3/auth").json()["auth"][0]["account_id"] == account.pk
    application.account = other_account
    application.save()
    assert client.get("/api/v3/auth").json()["auth"][0]["account_id"] == other_account.pk


def test_the_rate_limit_counts_in_redis_and_refuses_past_the_limit(
    redis_cache, settings, account, make_application, make_token
):
    settings.API_RATE_LIMIT = 2
    client = bearer(make_token(make_application(account)))
    first, second, third = (client.get("/api/v3/bookings") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert first["X-RateLimit-Remaining"] == "1"
    assert second["X-RateLimit-Remaining"] == "0"
    assert first["X-RateLimit-Limit"] == "2"


def test_a_create_answers_the_record_a_read_returns(api, rental, now, guest):
    start = now + dt.timedelta(days=10)
    body = wrap(
        "bookings",
        booked=True,
        client_id=guest.pk,
        start_at=iso(start),
        end_at=iso(start + dt.timedelta(days=3)),
        initial_price="300.5",
        discount="10%",
        metadata={"zeta": "last", "a": 1, "flag": True, "ratio": 0.5},
        notes="from the API",
    )
    created = api.post(f"/api/v3/rentals/{rental.pk}/bookings", body, format="json")
    assert created.status_code == 201, created.content
    record = created.json()["bookings"][0]
    read = api.get(f"/api/v3/bookings/{record['id']}?include=bookings_fees,bookings_taxes")
    assert read.json()["bookings"][0] == record


def test_orjson_writes_the_bytes_drf_writes(api, make_booking, rental):
    make_booking(rental, start_days=3, metadata={"note": "é \u2028 ✓", "n": 12})
    data = api.get("/api/v3/bookings").json()
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)
    assert json.loads(JSONRenderer().render(data)) == data
    values = {
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=dt.UTC),
        "day": dt.date(2026, 1, 2),
        "price": Decimal("12.50"),
        "id": uuid.UUID(int=7),
        "title": gettext_lazy("not found"),
        7: "an integer key",
        "big": 2**70,  # past orjson's 64 bits: DRF's renderer takes over
    }
    assert JSONRenderer().render(values) == DrfJSONRenderer().render(values)


def test_a_known_token_and_its_count_take_one_redis_round_trip(
    redis_cache, settings, account, make_application, make_token
):
    settings.API_RATE_LIMIT = 3
    token = make_token(make_application(account))
    client = bearer(token)
    remaining = [client.get("/api/v3/bookings")["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]  # the first counted alone, the next with the lookup
    assert client.get("/api/v3/bookings").status_code == 429


def test_a_revoked_token_gives_back_the_count_made_with_its_lookup(
    redis_cache, settings, account, make_application, make_token
):
    settings.API_RATE_LIMIT = 5
    application = make_application(account)
    revoked, kept = make_token(application), make_token(application)
    assert bearer(revoked).get("/api/v3/bookings")["X-RateLimit-Remaining"] == "4"
    revoked.revoke()
    assert bearer(revoked).get("/api/v3/bookings").status_code == 401  # counted, given back
    assert bearer(kept).get("/api/v3/bookings")["X-RateLimit-Remaining"] == "3"
