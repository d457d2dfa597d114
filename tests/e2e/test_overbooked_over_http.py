"""The Overbooked API over real HTTP, sent the way the JavaScript SDK sends it (axios):
`Content-Type: application/json` on every request, bodiless POSTs, slots created as an
array, JavaScript `Date`s as `toISOString()` (milliseconds, `Z`), query booleans."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import requests
from django.core.management import call_command

from accounts.models import Account


def _key(kind: str) -> str:
    out = io.StringIO()
    call_command("create_api_key", account="SDK Agency", kind=kind, stdout=out)
    return json.loads(out.getvalue())["key"]


def _js_date(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


@pytest.fixture
def sdk(live_server, transactional_db):
    Account.objects.create(name="SDK Agency")

    def client(kind: str) -> requests.Session:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {_key(kind)}"
        http.headers["Content-Type"] = "application/json"
        return http

    return client("secret"), client("public"), f"{live_server.url}/api/overbooked/v1"


def test_the_sdk_s_calls_over_http(sdk):
    secret, public, base = sdk
    resource = secret.post(
        f"{base}/resources", json={"name": "Studio", "timezone": "Europe/Warsaw"}, timeout=10
    ).json()["data"]
    published = secret.post(f"{base}/resources/{resource['id']}/publish", timeout=10)
    assert published.json()["data"]["status"] == "published"

    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    created = secret.post(
        f"{base}/slots",
        json=[
            {
                "resource_id": resource["id"],
                "start_date": _js_date(start),
                "end_date": _js_date(start + dt.timedelta(minutes=30)),
                "capacity": 3,
            }
        ],
        timeout=10,
    )
    assert created.status_code == 200, created.text
    slot = created.json()["data"][0]
    assert slot["_object"] == "slot" and slot["capacity"] == 3

    listed = public.get(
        f"{base}/slots",
        params={"page": 1, "limit": 50, "available": "true", "resoure_id": resource["id"]},
        timeout=10,
    ).json()
    assert (listed["success"], listed["meta"]["total"]) == (True, 1)

    until = _js_date(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    locked = public.post(
        f"{base}/slots/{slot['id']}/lock", json={"lock_until": until, "lock_key": "k"}, timeout=10
    ).json()
    assert locked["data"]["locked_until"] is not None
    again = public.post(
        f"{base}/slots/{slot['id']}/lock", json={"lock_until": until, "lock_key": "x"}, timeout=10
    )
    assert (again.status_code, again.json()["error"]["code"]) == (422, "E045")
    unlocked = public.post(f"{base}/slots/{slot['id']}/unlock", json={"lock_key": "k"}, timeout=10)
    assert unlocked.json()["data"]["locked_until"] is None

    assert (
        secret.post(f"{base}/slots/{slot['id']}/disable", timeout=10).json()["data"]["status"]
        == "disabled"
    )
    deleted = secret.delete(f"{base}/slots/{slot['id']}", timeout=10)
    assert deleted.json() == {"data": {}, "meta": {}, "success": True}
    gone = public.get(f"{base}/slots/{slot['id']}", timeout=10)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "E025")
