"""End to end over real HTTP: a live server (pytest-django's threaded WSGI server on a
real socket), a client-credentials token from /oauth/token, then the booking life cycle
create → search → update → cancel → updated_since, with `requests` as the only client."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import requests
from django.core.management import call_command


@pytest.fixture
def session(live_server, transactional_db):
    out = io.StringIO()
    call_command(
        "create_api_client",
        account="E2E Agency",
        name="e2e",
        scopes="public bookings_read bookings_write rentals_write",
        stdout=out,
    )
    credentials = json.loads(out.getvalue())
    token = requests.post(
        f"{live_server.url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
        timeout=10,
    )
    assert token.status_code == 200, token.text
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    http.base = f"{live_server.url}/api/v3"  # type: ignore[attr-defined]
    return http


def test_booking_life_cycle_over_http(session):
    base = session.base
    rental = session.post(
        f"{base}/rentals",
        json={"rentals": [{"name": "Harbour View", "timezone": "Europe/Lisbon"}]},
        timeout=10,
    )
    assert rental.status_code == 201, rental.text
    rental_id = rental.json()["rentals"][0]["id"]

    sync = session.get(f"{base}/bookings", params={"updated_since": "2020-01-01"}, timeout=10)
    synced_at = sync.headers["X-Updated-Since-Request-Synced-At"]
    assert sync.json()["bookings"] == []

    start = dt.date.today() + dt.timedelta(days=30)
    created = session.post(
        f"{base}/rentals/{rental_id}/bookings",
        json={
            "bookings": [
                {
                    "booked": True,
                    "start_at": start.isoformat(),
                    "end_at": (start + dt.timedelta(days=4)).isoformat(),
                    "initial_price": "400",
                    "bookings_fees": [{"name": "Cleaning", "price": "40"}],
                }
            ]
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    booking = created.json()["bookings"][0]
    assert created.headers["Location"].endswith(f"/api/v3/bookings/{booking['id']}")
    assert booking["final_price"] == "440.00"

    overlap = session.post(
        f"{base}/rentals/{rental_id}/bookings",
        json={
            "bookings": [
                {
                    "booked": True,
                    "start_at": start.isoformat(),
                    "end_at": (start + dt.timedelta(days=1)).isoformat(),
                }
            ]
        },
        timeout=10,
    )
    assert overlap.status_code == 422
    assert overlap.json()["errors"][0]["title"] == f"overlaps booking {booking['reference']}"

    search = session.get(
        f"{base}/bookings", params={"rental_id": rental_id, "status": "booked"}, timeout=10
    )
    assert [record["id"] for record in search.json()["bookings"]] == [booking["id"]]
    assert search.headers["X-Total-Count"] == "1"
    assert 'rel="first"' in search.headers["Link"]

    updated = session.patch(
        f"{base}/bookings/{booking['id']}",
        json={"bookings": [{"adults": 3, "notes": "ground floor please"}]},
        timeout=10,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["bookings"][0]["adults"] == 3

    canceled = session.delete(
        f"{base}/bookings/{booking['id']}",
        json={"bookings": [{"cancelation_reason": "requested_by_guest"}]},
        timeout=10,
    )
    assert canceled.status_code == 204
    assert canceled.content == b""

    assert session.get(f"{base}/bookings", timeout=10).json()["bookings"] == []
    changes = session.get(f"{base}/bookings", params={"updated_since": synced_at}, timeout=10)
    assert changes.status_code == 200
    records = changes.json()["bookings"]
    assert [(r["id"], r["status"], r["adults"]) for r in records] == [
        (booking["id"], "Canceled", 3)
    ]
    assert changes.json()["meta"]["deleted_ids"] == [booking["id"]]
    assert "X-RateLimit-Remaining" in changes.headers
