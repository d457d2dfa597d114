"""The tenant (Account), its users and its OAuth2 applications."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.text import slugify
from oauth2_provider.models import AbstractApplication, ApplicationManager

from core.scopes import normalize_scopes


class Account(models.Model):
    """The tenant: every rental, client, booking, user and application belongs to one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(
        max_length=220,
        unique=True,
        help_text="names the account in OfficeRnD-compatible URLs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name)
        super().save(*args, **kwargs)


def unique_slug(name: str) -> str:
    """`Sunny Stays` -> `sunny-stays`; `-2`, `-3`… when taken (or `account` when empty)."""
    base = slugify(name)[:200] or "account"
    slug, n = base, 1
    while Account.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """An Overbooked-style key of one account: `pk_…` (public) or `sk_…` (secret).

    Only the SHA-256 of the key is stored; the key itself is shown once, on creation.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public (pk_)"
        SECRET = "secret", "Secret (sk_)"

    PREFIXES = {Kind.PUBLIC: "pk_", Kind.SECRET: "sk_"}

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=16, editable=False, help_text="the key's first characters")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account", "id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.hint}… ({self.get_kind_display()})"

    @classmethod
    def new_key(cls, kind: str) -> str:
        return cls.PREFIXES[cls.Kind(kind)] + secrets.token_hex(32)


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
