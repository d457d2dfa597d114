"""The API's OAuth2 scopes and the rule that an application gets only the scopes it has."""

from __future__ import annotations

from collections.abc import Iterable

from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

PUBLIC = "public"
BOOKINGS_READ = "bookings_read"
BOOKINGS_WRITE = "bookings_write"
BOOKINGS_WRITE_OWNED = "bookings_write_owned"
RENTALS_READ = "rentals_read"
RENTALS_WRITE = "rentals_write"
CLIENTS_READ = "clients_read"
CLIENTS_WRITE = "clients_write"
EVENTS_READ = "events_read"
WEBHOOKS_READ = "webhooks_read"
WEBHOOKS_WRITE = "webhooks_write"
PAYMENTS_READ = "payments_read"
PAYMENTS_WRITE = "payments_write"

ALL_SCOPES = [
    PUBLIC,
    BOOKINGS_READ,
    BOOKINGS_WRITE,
    BOOKINGS_WRITE_OWNED,
    RENTALS_READ,
    RENTALS_WRITE,
    CLIENTS_READ,
    CLIENTS_WRITE,
    EVENTS_READ,
    WEBHOOKS_READ,
    WEBHOOKS_WRITE,
    PAYMENTS_READ,
    PAYMENTS_WRITE,
]


def normalize_scopes(scopes: Iterable[str]) -> list[str]:
    """Known scopes in canonical order, always including `public` (it is always granted)."""
    wanted = set(scopes) | {PUBLIC}
    return [scope for scope in ALL_SCOPES if scope in wanted]


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return sorted(set(scopes) - set(ALL_SCOPES))


class ApplicationScopes(BaseScopes):
    """django-oauth-toolkit scopes backend: a token may carry only its application's scopes.

    With no `scope` in the token request, the token gets all of them.
    """

    def get_all_scopes(self) -> dict[str, str]:
        return oauth2_settings.SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        if application is None:
            return ALL_SCOPES
        return application.scope_list

    def get_default_scopes(self, application=None, request=None, *args, **kwargs) -> list[str]:
        return self.get_available_scopes(application, request)
