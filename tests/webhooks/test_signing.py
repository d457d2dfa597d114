"""DESIGN §11's two signatures: BookingSync's test vector, and Standard Webhooks verified by
the `standardwebhooks` package itself."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks.models import new_secret
from webhooks.signing import bookingsync_signature, ruby_encode64, signed_headers

VECTOR_BODY = (
    b'{"account_id":1,"event":"booking_created","resource":{"bookings":[{"id":1,'
    b'"status":"Booked","start_at":"2026-12-11T16:00:00Z","end_at":"2026-12-15T10:00:00Z"}]}}'
)


def test_the_bookingsync_signature_matches_the_design_test_vector():
    assert (
        bookingsync_signature("secret", VECTOR_BODY) == "cef03676539fbc95d642173f76280c5e28a7ae0e"
    )


def test_ruby_base64_breaks_lines_every_60_characters_and_ends_with_a_newline():
    encoded = ruby_encode64(b"x" * 100)  # 136 base64 characters
    lines = encoded.split(b"\n")
    assert [len(line) for line in lines] == [60, 60, 16, 0]
    assert base64.b64decode(encoded) == b"x" * 100
    assert ruby_encode64(b"") == b""


def test_a_secret_is_whsec_and_base64_of_24_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24


def test_the_standard_webhooks_headers_verify_with_the_standardwebhooks_package():
    secret = new_secret()
    headers = signed_headers(secret, msg_id="msg_42", timestamp=int(time.time()), body=VECTOR_BODY)
    assert Webhook(secret).verify(VECTOR_BODY, headers)["event"] == "booking_created"
    assert headers["X-Content-Signature"] == bookingsync_signature(secret, VECTOR_BODY)
    assert headers["User-Agent"] == "Bookings-Webhooks/1"


def test_a_tampered_body_or_another_secret_fails_standard_webhooks_verification():
    secret = new_secret()
    headers = signed_headers(secret, msg_id="msg_1", timestamp=int(time.time()), body=VECTOR_BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(VECTOR_BODY.replace(b"Booked", b"Canceled"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(VECTOR_BODY, headers)
