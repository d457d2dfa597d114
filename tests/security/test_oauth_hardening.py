"""Threats against accounts and tokens (issue 11, DESIGN §15):
- the password grant as a password oracle for any client (right vs wrong password told
  apart), and the implicit grant (tokens in URLs);
- PKCE `plain` (a code_verifier an eavesdropper on the authorization request knows);
- tokens readable from a database dump (stored in plain text);
- a stolen refresh token replayed after the client refreshed (reuse detection);
- introspection answering any client about any token, or over GET;
- unlimited guesses at client secrets, codes and refresh tokens on /oauth/token;
- http:// redirect URIs outside DEBUG.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from oauth2_provider.models import AccessToken, RefreshToken

from accounts.models import Application, User

SECRET = "a-client-secret-the-test-knows"
REDIRECT = "https://example.com/callback"


@pytest.fixture
def make_app(db):
    def make(account, **fields) -> Application:
        values = {
            "name": f"app-{secrets.token_hex(3)}",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": REDIRECT,
            "client_secret": SECRET,
            "scopes": "public bookings_read",
        }
        return Application.objects.create(account=account, **{**values, **fields})

    return make


def client_token(client, app: Application, **meta) -> dict:
    """A client-credentials token; `meta` are request headers (REMOTE_ADDR, HTTP_…)."""
    response = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": SECRET},
        **meta,
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_password_grant_tells_nothing_about_a_password(
    client, account, other_account, make_app
):
    User.objects.create_superuser("root", "root@example.com", "the-right-password-42")
    stranger = make_app(other_account)
    answers = []
    for password in ("the-right-password-42", "a-wrong-password"):
        response = client.post(
            "/oauth/token",
            {
                "grant_type": "password",
                "username": "root",
                "password": password,
                "client_id": stranger.client_id,
                "client_secret": SECRET,
            },
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][1]["error"] == "unsupported_grant_type"


def test_the_implicit_grant_is_off(client, account, make_app, make_manager):
    app = make_app(account, authorization_grant_type=Application.GRANT_IMPLICIT)
    client.force_login(make_manager(account))
    response = client.get(
        "/oauth/authorize",
        {"client_id": app.client_id, "response_type": "token", "redirect_uri": REDIRECT},
    )
    assert "access_token" not in response.get("Location", "")
    assert AccessToken.objects.count() == 0


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(client, app, challenge: str, method: str):
    return client.post(
        "/oauth/authorize",
        {
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "public bookings_read",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": method,
            "allow": "Authorize",
        },
    )


def test_pkce_plain_is_refused(client, account, make_app, make_manager):
    app = make_app(account)
    client.force_login(make_manager(account))
    response = authorize(client, app, "a" * 64, "plain")
    query = parse_qs(urlsplit(response.get("Location", "")).query)
    assert "code" not in query
    assert query.get("error") == ["invalid_request"]


@pytest.fixture
def code_flow(client, account, make_app, make_manager):
    """The authorization code flow with PKCE S256: the app and its first token response."""
    app = make_app(account)
    client.force_login(make_manager(account))
    verifier, challenge = pkce_pair()
    response = authorize(client, app, challenge, "S256")
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["iss"]  # RFC 9207: the issuer is named in the response
    token = client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "client_secret": SECRET,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.content
    return app, token.json()


def test_tokens_are_stored_only_as_checksums(client, code_flow):
    app, tokens = code_flow
    access = AccessToken.objects.get(application=app)
    refresh = RefreshToken.objects.get(application=app)
    assert access.token == "" and refresh.token == ""
    assert access.token_checksum == hashlib.sha256(tokens["access_token"].encode()).hexdigest()
    auth = client.get("/api/v3/auth", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert auth.status_code == 200


def refresh(client, app, refresh_token: str):
    return client.post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app.client_id,
            "client_secret": SECRET,
        },
    )


def test_a_replayed_refresh_token_revokes_the_family(client, code_flow):
    app, first = code_flow
    second = refresh(client, app, first["refresh_token"])
    assert second.status_code == 200, second.content
    replay = refresh(client, app, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The legitimate client's newer tokens are revoked with it: the thief gains nothing.
    assert refresh(client, app, second.json()["refresh_token"]).status_code == 400
    api = client.get("/api/v3/auth", HTTP_AUTHORIZATION=f"Bearer {second.json()['access_token']}")
    assert api.status_code == 401


def introspect(client, app, token: str, **extra):
    basic = base64.b64encode(f"{app.client_id}:{SECRET}".encode()).decode()
    return client.post(
        "/oauth/introspect", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}", **extra
    )


def test_introspection_answers_only_about_the_callers_own_tokens(
    client, account, other_account, make_app
):
    mine, sibling, stranger = make_app(account), make_app(account), make_app(other_account)
    token = client_token(client, mine)["access_token"]
    assert introspect(client, mine, token).json()["active"] is True
    assert introspect(client, sibling, token).json() == {"active": False}
    assert introspect(client, stranger, token).json() == {"active": False}


def test_introspection_is_post_only_and_needs_client_credentials(client, account, make_app):
    app = make_app(account)
    token = client_token(client, app)["access_token"]
    basic = base64.b64encode(f"{app.client_id}:{SECRET}".encode()).decode()
    response = client.get(
        "/oauth/introspect", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"
    # A bearer token is not a client credential here.
    response = client.post(
        "/oauth/introspect", {"token": token}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 401
    # The token in the query string of a POST is not read.
    response = client.post(
        f"/oauth/introspect?token={token}", {}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 400


def test_the_token_endpoint_is_throttled_per_client(client, account, make_app, settings):
    settings.OAUTH_TOKEN_RATE_LIMIT = 3
    app, other = make_app(account), make_app(account)
    addresses = iter(f"10.0.0.{n}" for n in range(1, 100))
    for _ in range(3):  # wrong secrets count too
        response = client.post(
            "/oauth/token",
            {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": "x"},
            REMOTE_ADDR=next(addresses),
        )
        assert response.status_code == 401
    response = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": SECRET},
        REMOTE_ADDR=next(addresses),
    )
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limit_exceeded"
    assert int(response["Retry-After"]) >= 1
    assert client_token(client, other, REMOTE_ADDR=next(addresses))["access_token"]


def test_the_token_endpoint_is_throttled_per_address(client, account, make_app, settings):
    settings.OAUTH_TOKEN_RATE_LIMIT = 3
    apps = [make_app(account) for _ in range(4)]
    for app in apps[:3]:
        client_token(client, app, REMOTE_ADDR="10.1.1.1")
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": apps[3].client_id,
            "client_secret": SECRET,
        },
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 429
    assert client_token(client, apps[3], REMOTE_ADDR="10.1.1.2")["access_token"]


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(
    client, account, make_app, settings
):
    settings.OAUTH_TOKEN_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    app, other = make_app(account), make_app(account)
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    client_token(client, app, HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.1", **via_proxy)
    # Another client behind the same proxy is not throttled by the first one's budget.
    client_token(client, other, HTTP_X_FORWARDED_FOR="203.0.113.2", **via_proxy)


def test_http_redirect_uris_are_refused_outside_debug(account, make_app):
    app = make_app(account)
    app.redirect_uris = "http://example.com/callback"
    with pytest.raises(ValidationError):
        app.full_clean()
