"""Request media types: application/json and application/vnd.api+json, parsed the same way,
with the nesting of a body bounded (DESIGN §15).

Python's json module recurses once per level, so 100,000 `[` end in a RecursionError (a
500); no body the API accepts nests deeper than a few levels, so anything deeper than
MAX_JSON_DEPTH is refused before it is decoded. The size of a body is bounded by Django
(DATA_UPLOAD_MAX_MEMORY_SIZE) when it is read; core/exceptions.py answers that with 413.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 20

# A JSON string literal (escapes included): its brackets are text, not structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `raw` nests arrays/objects deeper than `limit`.

    Each pass deletes every innermost `[]`/`{}` pair, i.e. one level everywhere at once,
    in C (re.sub) rather than a Python loop over up to 2.5 MB: after `limit` passes a body
    within the limit has no pair left. Unpaired brackets are not this check's business
    (the decoder reports them).
    """
    brackets = _NOT_BRACKETS.sub(b"", _STRING.sub(b"", raw))
    for _ in range(limit):
        if not brackets:
            return False
        brackets, removed = _INNERMOST_PAIR.subn(b"", brackets)
        if not removed:
            return False
    return _INNERMOST_PAIR.search(brackets) is not None


def parse_json(raw: bytes, encoding: str = "utf-8") -> Any:
    """Decode a JSON body; ValueError (with a reason) for malformed or too deeply nested."""
    if json_depth_exceeds(raw):
        raise ValueError(f"JSON nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw.decode(encoding), parse_constant=_no_constants)
    except RecursionError:  # unpaired brackets deep enough to exhaust the decoder
        raise ValueError(f"JSON nests deeper than {MAX_JSON_DEPTH} levels") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"body is not {encoding} text") from exc


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class JSONParser(parsers.JSONParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        raw = stream.read() if stream is not None else b""
        try:
            return parse_json(raw, encoding)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


class JSONAPIParser(JSONParser):
    media_type = "application/vnd.api+json"
