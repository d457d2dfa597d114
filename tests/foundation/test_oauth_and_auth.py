"""OAuth2 client credentials, scopes limited to the application's, and GET /api/v3/auth."""

import base64
import json

import pytest
from django.core.management import call_command

from accounts.models import Account, Application


@pytest.fixture
def credentials(db, capsys):
    call_command(
        "create_api_client",
        "--account",
        "Acme",
        "--name",
        "Channel manager",
        "--scopes",
        "public bookings_read rentals_read",
    )
    return json.loads(capsys.readouterr().out)


def token_request(client, credentials, **extra):
    return client.post(
        "/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
            **extra,
        },
    )


def test_create_api_client_prints_one_json_object_and_creates_the_account(credentials):
    account = Account.objects.get(name="Acme")
    application = Application.objects.get(pk=credentials["application_id"])
    assert credentials["account_id"] == account.pk == application.account_id
    assert credentials["scopes"] == ["public", "bookings_read", "rentals_read"]
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert set(credentials) == {
        "account_id",
        "application_id",
        "client_id",
        "client_secret",
        "scopes",
    }


def test_create_api_client_reuses_an_existing_account(credentials, capsys):
    call_command("create_api_client", "--account", "Acme", "--name", "Second", "--scopes", "public")
    second = json.loads(capsys.readouterr().out)
    assert second["account_id"] == credentials["account_id"]
    assert Account.objects.filter(name="Acme").count() == 1


def test_client_credentials_token_shows_its_account_and_scopes(client, credentials):
    response = token_request(client, credentials)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    auth = client.get("/api/v3/auth", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert auth.status_code == 200
    body = auth.json()["auth"][0]
    assert body["account_id"] == credentials["account_id"]
    assert body["application_id"] == credentials["application_id"]
    assert body["scopes"] == ["public", "bookings_read", "rentals_read"]


def test_token_with_http_basic_and_a_subset_of_scopes(client, credentials):
    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    response = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "scope": "bookings_read"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    body = client.get("/api/v3/auth/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["auth"][0]["scopes"] == ["public", "bookings_read"]


def test_a_scope_the_application_lacks_is_refused(client, credentials):
    response = token_request(client, credentials, scope="bookings_write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_wrong_secret_gets_no_token(client, credentials):
    response = token_request(client, {**credentials, "client_secret": "wrong"})
    assert response.status_code == 401


def test_no_token_is_a_401_envelope_with_www_authenticate(client, db):
    response = client.get("/api/v3/auth")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["code"] == "unauthorized"


def test_a_bad_token_is_a_401_envelope(client, db):
    response = client.get("/api/v3/auth", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {
        "errors": [{"code": "unauthorized", "title": response.json()["errors"][0]["title"]}]
    }


def test_revoked_token_no_longer_authenticates(client, credentials):
    token = token_request(client, credentials).json()["access_token"]
    revoke = client.post(
        "/oauth/revoke_token",
        {
            "token": token,
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
        },
    )
    assert revoke.status_code == 200
    assert client.get("/api/v3/auth", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_introspect_answers_for_the_application_with_its_credentials(client, credentials):
    token = token_request(client, credentials).json()["access_token"]
    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    response = client.post(
        "/oauth/introspect/", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200
    assert response.json()["active"] is True
    assert response.json()["scope"] == "public bookings_read rentals_read"
    unknown = client.post(
        "/oauth/introspect", {"token": "nope"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert unknown.json() == {"active": False}


def test_authorize_page_asks_an_anonymous_user_to_sign_in(client, credentials):
    response = client.get(
        "/oauth/authorize",
        {"client_id": credentials["client_id"], "response_type": "code"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/oauth/login/")
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200
    assert b"Sign in" in login_page.content


def test_an_expired_token_is_a_401_envelope(client, account, make_application, make_token):
    import datetime as dt

    from django.utils import timezone

    token = make_token(make_application(account))
    assert client.get("/api/v3/auth", HTTP_AUTHORIZATION=f"Bearer {token.token}").status_code == 200
    token.expires = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    response = client.get("/api/v3/auth", HTTP_AUTHORIZATION=f"Bearer {token.token}")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert response.json()["errors"][0]["code"] == "unauthorized"


def test_a_token_is_only_read_from_the_authorization_header(
    client, account, make_application, make_token
):
    token = make_token(make_application(account))
    response = client.get("/api/v3/auth", {"access_token": token.token})
    assert response.status_code == 401
