"""`Idempotency-Key` on the APIs' POST/PUT/PATCH/DELETE (DESIGN §13), used by core/views.py.

The key is claimed once the caller is authenticated (it is stored per caller) and before
the handler runs; the response is stored when it is final. Every API shares this code
through `ApiViewMixin`; each API renders the three failures in its own envelope via
`error_code` (v3: core/exceptions.py, Overbooked: overbooked/api/errors.py).
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, RawPostDataException
from django.http.response import HttpResponseBase
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request

from idempotency import services

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED_HEADER = "Idempotent-Replayed"
_STORED_HEADERS = ("Content-Type", "Location")


class IdempotencyKeyInvalid(exceptions.ParseError):
    error_code = "bad_request"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    error_code = "idempotency_key_reused"
    default_detail = "this Idempotency-Key was used with a different request"


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    error_code = "idempotency_key_in_use"
    default_detail = "a request with this Idempotency-Key is still running; retry later"


class Replay(Exception):
    """Raised from `initial` to answer with the stored response; caught in handle_exception."""

    def __init__(self, response: HttpResponse):
        super().__init__("idempotent replay")
        self.response = response


def _body(request: Request) -> bytes:
    try:
        return request._request.body
    except RawPostDataException:
        # The stream was already parsed (an authentication that reads the body): the
        # parsed data stands in for the bytes.
        return json.dumps(request.data, sort_keys=True, default=str).encode()


def idempotency_begin(request: Request, *, owner: str) -> services.Claim | None:
    """Claim the request's key: the claim, None without a key; raises Replay or an error.

    `owner` is the authenticated caller; its account (`request.user.account_id`: every
    caller with an owner is of one account) is stored with the key."""
    raw = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if raw is None or request.method not in UNSAFE_METHODS:
        return None
    try:
        key = services.key_validate(raw)
    except services.KeyInvalid as exc:
        raise IdempotencyKeyInvalid(str(exc)) from None
    try:
        body = _body(request)
    except RequestDataTooBig:
        return None  # the parser answers with its own error; nothing runs, nothing to store
    fingerprint = services.request_fingerprint(
        method=request.method, path=request.get_full_path(), body=body
    )
    account_id = getattr(request.user, "account_id", None)
    if not isinstance(account_id, int):  # ApiClient and KeyClient always have one
        raise TypeError(f"the caller {owner} has no account to store its key under")
    try:
        result = services.key_claim(
            account_id=account_id,
            owner=owner,
            key=key,
            fingerprint=fingerprint,
            now=timezone.now(),
        )
    except services.KeyReused:
        raise IdempotencyKeyReused() from None
    except services.KeyInUse:
        raise IdempotencyKeyInUse() from None
    if isinstance(result, services.StoredResponse):
        raise Replay(_replay(result))
    return result


def _replay(stored: services.StoredResponse) -> HttpResponse:
    response = HttpResponse(stored.body, status=stored.status)
    for name, value in stored.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_finish(claim: services.Claim, response: HttpResponseBase) -> None:
    """Store the final response under the claim; a 5xx is not stored (the retry runs)."""
    if response.status_code >= 500:
        services.key_release(claim=claim)
        return
    render = getattr(response, "render", None)
    if render is not None:
        render()  # DRF renders lazily; rendering twice is a no-op
    body = getattr(response, "content", b"")
    headers = {name: response[name] for name in _STORED_HEADERS if response.has_header(name)}
    services.key_complete(claim=claim, status=response.status_code, body=body, headers=headers)
