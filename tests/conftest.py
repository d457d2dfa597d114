"""Shared fixtures: accounts, rentals, clients, API tokens and a clock."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from accounts.models import Account, Application
from bookings.models import Client
from core.scopes import ALL_SCOPES
from rentals.models import Rental


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (exclusion constraint, row locks) run in the PostgreSQL pass
    of `make test`; on SQLite they are deselected, not skipped."""
    if connection.vendor == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def account(db) -> Account:
    return Account.objects.create(name="Sunny Stays")


@pytest.fixture
def other_account(db) -> Account:
    return Account.objects.create(name="Other Agency")


@pytest.fixture
def make_rental(db) -> Callable[..., Rental]:
    def make(account: Account, **fields) -> Rental:
        fields.setdefault("name", f"Flat {secrets.token_hex(3)}")
        return Rental.objects.create(account=account, **fields)

    return make


@pytest.fixture
def rental(account, make_rental) -> Rental:
    return make_rental(account, name="Seaside Flat", timezone="Europe/Paris", currency="EUR")


@pytest.fixture
def guest(account) -> Client:
    return Client.objects.create(
        account=account, fullname="Ada Lovelace", emails=["ada@example.com"]
    )


@pytest.fixture
def make_application(db) -> Callable[..., Application]:
    def make(account: Account, scopes: str = " ".join(ALL_SCOPES), name: str = "") -> Application:
        return Application.objects.create(
            account=account,
            name=name or f"app-{secrets.token_hex(3)}",
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="https://example.com/callback",
            scopes=scopes,
        )

    return make


@pytest.fixture
def make_token(db) -> Callable[..., AccessToken]:
    def make(application: Application, scopes: str | None = None) -> AccessToken:
        return AccessToken.objects.create(
            application=application,
            token=secrets.token_urlsafe(24),
            scope=scopes if scopes is not None else application.scopes,
            expires=timezone.now() + dt.timedelta(hours=1),
        )

    return make


@pytest.fixture
def make_api(make_application, make_token) -> Callable[..., APIClient]:
    """An API client authenticated as a new application of `account` with `scopes`."""

    def make(account: Account, scopes: str = " ".join(ALL_SCOPES)) -> APIClient:
        application = make_application(account, scopes)
        token = make_token(application)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
        client.application = application  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def api(make_api, account) -> APIClient:
    return make_api(account)


@pytest.fixture
def make_manager(db) -> Callable[..., object]:
    """A property manager: a staff user of `account` with no model permissions."""

    def make(account: Account, username: str = "") -> object:
        from accounts.models import User

        return User.objects.create_user(
            username=username or f"manager-{secrets.token_hex(3)}",
            password="manager-password",
            account=account,
            is_staff=True,
        )

    return make


@pytest.fixture
def manager_client(client, make_manager, account):
    """Django's test client, signed in as a manager of `account` (`.user` is the user)."""
    client.user = make_manager(account)
    client.force_login(client.user)
    return client
