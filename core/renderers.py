"""Response media types: JSON by default, application/vnd.api+json when the client asks.

Bodies are encoded by orjson (a list page of 100 bookings: about a tenth of the time of
the standard library's encoder), with DRF's encoder for what orjson leaves to it, so the
bytes are what DRF's JSONRenderer writes: compact, UTF-8, datetimes as DRF formats them
(`Z`), U+2028/U+2029 escaped. An indented response (`; indent=` in Accept) or a value
orjson refuses (an integer past 64 bits) goes through DRF's renderer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class _OrjsonMixin(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", dict(renderer_context or {})):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: these two are valid JSON but end a line in JavaScript.
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body


class JSONRenderer(_OrjsonMixin):
    media_type = "application/json"
    charset = "utf-8"


class JSONAPIRenderer(_OrjsonMixin):
    media_type = "application/vnd.api+json"
    charset = "utf-8"
