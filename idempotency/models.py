"""Idempotency keys (DESIGN §13): one row per caller and key, claimed before the work."""

from __future__ import annotations

from django.db import models

from accounts.models import Account


class IdempotencyKey(models.Model):
    """A request made with an `Idempotency-Key`, and once done, its response.

    `owner` is the caller (`app:17` for an OAuth application, `key:5` for an API key).
    While the first request runs, `response_status` is null.
    """

    # No index of its own: idempotency_key_per_owner leads with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False, related_name="+")
    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path, body")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(default=b"", blank=True)
    response_headers = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "owner", "key"], name="idempotency_key_per_owner"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_key_expiry")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
