"""The OpenAPI document's view (GET /api/v3/schema), cached and limited per address."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.response import Response

from core import ratelimit
from core.clientip import client_ip
from core.exceptions import json_error


class CachedSchemaView(SpectacularAPIView):
    """`GET /api/v3/schema`: built once per process and version (it changes only with the
    code; building it took ~50 ms a request), and, since it needs no token, counted per
    client address against API_RATE_LIMIT an hour."""

    _schemas: ClassVar[dict[tuple[Any, bool], Any]] = {}

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request, *args, **kwargs):
        state = ratelimit.consume(f"schema-address:{client_ip(request)}")
        if state.exceeded:
            # JSON whatever the format asked for: the schema's renderers are YAML/OpenAPI.
            response = json_error(429, "rate limit exceeded")
            response["Retry-After"] = str(max(1, state.reset - int(time.time())))
            for header, value in state.headers.items():
                response[header] = value
            return response
        response = super().get(request, *args, **kwargs)
        for header, value in state.headers.items():
            response[header] = value
        return response

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, bool(self.serve_public))
        schema = self._schemas.get(key)
        if schema is None:
            schema = super()._get_schema_response(request).data
            self._schemas[key] = schema
        return Response(
            data=schema,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
