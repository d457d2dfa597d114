"""The tenant (Account), its users and its OAuth2 applications."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from oauth2_provider.models import AbstractApplication, ApplicationManager

from core.scopes import normalize_scopes


class Account(models.Model):
    """The tenant: every rental, client, booking, user and application belongs to one."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: a property manager (staff) of one account, or a superuser."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )


class Application(AbstractApplication):
    """An OAuth2 client of one account, limited to the scopes it was created with.

    A confidential application may use the client-credentials grant as well as the
    grant type it was registered with, so one application serves both an account's own
    integration and a third-party authorization-code flow (DESIGN §4).
    """

    account: models.ForeignKey[Account, Account] = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="applications"
    )
    scopes: models.CharField[str, str] = models.CharField(
        max_length=255,
        default="public",
        help_text="Space-separated scopes this application may be granted (docs/api.md lists them)",
    )

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    @property
    def scope_list(self) -> list[str]:
        return normalize_scopes(self.scopes.split())

    def save(self, *args, **kwargs):
        self.scopes = " ".join(normalize_scopes(self.scopes.split()))
        super().save(*args, **kwargs)

    def allows_grant_type(self, *grant_types: str) -> bool:
        if (
            self.client_type == self.CLIENT_CONFIDENTIAL
            and self.GRANT_CLIENT_CREDENTIALS in grant_types
        ):
            return True
        return super().allows_grant_type(*grant_types)
