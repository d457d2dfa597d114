"""Overbooked-style API keys and account slugs (DESIGN §9, §10)."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, ApiKey, api_key_hash
from accounts.services import api_key_create, api_key_revoke


def test_account_slug_is_made_from_the_name_and_kept_unique(db):
    first = Account.objects.create(name="Sunny Stays")
    second = Account.objects.create(name="Sunny  stays!")
    assert first.slug == "sunny-stays"
    assert second.slug == "sunny-stays-2"


def test_auth_endpoint_names_the_account_slug(api, account):
    body = api.get("/api/v3/auth").json()
    assert body["auth"][0]["account_slug"] == account.slug == "sunny-stays"


@pytest.mark.parametrize(("kind", "prefix"), [("public", "pk_"), ("secret", "sk_")])
def test_a_key_is_stored_only_as_its_hash(account, kind, prefix):
    api_key, key = api_key_create(account=account, kind=kind)
    assert key.startswith(prefix) and len(key) == 3 + 64
    row = ApiKey.objects.get(pk=api_key.pk)
    assert row.key_hash == api_key_hash(key) != key
    assert key not in {row.key_hash, row.hint, row.name}
    assert row.hint == key[:10]


def test_revoking_a_key_stamps_it_once(account):
    api_key, _ = api_key_create(account=account, kind="secret")
    first = api_key_revoke(api_key=api_key).revoked_at
    assert first is not None
    assert api_key_revoke(api_key=api_key).revoked_at == first


def test_create_api_key_command_prints_the_key_once(account, capsys):
    call_command("create_api_key", "--account", account.name, "--kind", "public")
    printed = json.loads(capsys.readouterr().out)
    assert printed["key"].startswith("pk_")
    assert ApiKey.objects.get(pk=printed["api_key_id"]).key_hash == api_key_hash(printed["key"])


def test_create_api_key_command_refuses_an_unknown_account(db):
    with pytest.raises(CommandError, match="no account"):
        call_command("create_api_key", "--account", "Nobody", "--kind", "public")


def test_a_manager_creates_a_key_in_the_admin_and_sees_it_once(manager_client, account):
    from django.contrib.auth.models import Permission

    manager_client.user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_apikey", "view_apikey", "change_apikey"])
    )
    response = manager_client.post(
        "/admin/accounts/apikey/add/", {"kind": "secret", "name": "backend"}, follow=True
    )
    assert response.status_code == 200
    api_key = ApiKey.objects.get(name="backend")
    assert api_key.account_id == account.pk
    shown = [str(m) for m in response.context["messages"]]
    assert any(api_key.hint in message and "sk_" in message for message in shown)
    key = next(w for m in shown for w in m.split() if w.startswith("sk_"))
    assert api_key_hash(key) == api_key.key_hash
