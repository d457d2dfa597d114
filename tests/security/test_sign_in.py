"""Threats against sign-in: unlimited password guesses at the admin login (20 wrong, then
the right one, used to sign in) and at the OAuth login page; weak passwords. django-axes
locks a user name, and separately an address, out after LOGIN_FAILURE_LIMIT failures for
LOGIN_LOCKOUT_MINUTES; Django's password validators refuse common, numeric, short and
user-like passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User

RIGHT = "correct horse battery staple 42"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", RIGHT)


def sign_in(client, password, username="root", address="10.0.0.1", path="/admin/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/admin/login/", "/oauth/login/"])
def test_after_the_limit_even_the_right_password_is_refused(client, root, settings, path):
    for n in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, f"guess {n}", path=path).status_code == 200
    assert sign_in(client, "last guess", path=path).status_code == 429  # locked at the limit
    response = sign_in(client, RIGHT, path=path)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_user_is_locked_whatever_the_address(client, root, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, f"guess {n}", address=f"10.0.1.{n}")
    assert sign_in(client, RIGHT, address="10.0.2.1").status_code == 429
    assert not signed_in(client)


def test_the_address_is_locked_whatever_the_user(client, root, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "guess", username=f"user{n}")
    assert sign_in(client, RIGHT).status_code == 429
    assert not signed_in(client)
    # Someone else, elsewhere, still signs in.
    assert sign_in(client, RIGHT, address="10.9.9.9").status_code == 302
    assert signed_in(client)


def test_a_few_mistakes_then_the_right_password_signs_in(client, root, settings):
    for n in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, f"guess {n}")
    assert sign_in(client, RIGHT).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(
    "password", ["short1", "12345678901234", "password1234", "root@example.com"]
)
def test_weak_passwords_are_refused(root, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=root)


def test_a_long_uncommon_password_is_accepted(root):
    validate_password(RIGHT, user=root)


def test_a_sign_in_without_a_request_is_not_refused(client, root):
    """Django's test client and shells call authenticate() without a request."""
    assert client.login(username="root", password=RIGHT)
