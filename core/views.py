"""The base of every API view: GET bodies ignored, rate-limit headers on every response,
`Idempotency-Key` on every write (idempotency/http.py)."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework.request import Request
from rest_framework.response import Response

from core import ratelimit
from idempotency.http import Replay, idempotency_begin, idempotency_finish


class ApiViewMixin:
    """Counts each authenticated request against its caller's hourly budget.

    The rate-limit headers go on every response to an authenticated request,
    errors included.
    """

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        drf_request = super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]
        if request.method in ("GET", "HEAD"):
            # A body sent with GET is ignored (DESIGN §4), also by the token check, which
            # would otherwise parse it and turn bad JSON into a 400.
            drf_request._data = QueryDict()
            drf_request._files = MultiValueDict()
            drf_request._full_data = drf_request._data
        return drf_request

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        owner = getattr(request.user, "rate_limit_owner", None)
        if owner:
            # Counted by the token lookup in its Redis round trip when it could be.
            counted = getattr(request, "_rate_limit_counted", None)
            if counted is not None and counted[0] == owner:
                state = ratelimit.consume(owner, now=counted[1], counted=counted[2])
            else:
                state = ratelimit.consume(owner)
            request._rate_limit = state  # type: ignore[attr-defined]
            if state.exceeded:
                raise ratelimit.RateLimitExceeded(wait=state.reset - time.time())
            # Claimed before any handler runs, per caller (the rate limit's owner).
            self._idempotency_claim = idempotency_begin(request, owner=owner)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Replay):
            return exc.response  # type: ignore[return-value]
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        claim = getattr(self, "_idempotency_claim", None)
        if claim is not None:
            self._idempotency_claim = None
            idempotency_finish(claim, response)
        state = getattr(request, "_rate_limit", None)
        if state is not None:
            for header, value in state.headers.items():
                response[header] = value
        return response
