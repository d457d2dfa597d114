"""The metadata rules (DESIGN §10), written once for every record that carries metadata.

Metadata is a JSON object of at most 50 keys; each key a string of 1–100 characters,
each value a string (≤ 5000 characters), a number or a boolean. On update, given keys
replace, a key set to `null` or `""` is removed, absent keys stay.

Services call `metadata_clean` (a whole object, on create) or `metadata_merge` (changes
onto the stored object, on update); both raise `MetadataInvalid`, which names each bad
key and carries the Overbooked code (E042: a length or the key count; E043: a type).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from core.errors import ValidationFailed

MAX_KEYS = 50
MAX_KEY_LENGTH = 100
MAX_STRING_LENGTH = 5000

FIELD = "metadata"
LENGTH_CODE = "E042"
TYPE_CODE = "E043"

Metadata = dict[str, str | int | float | bool]


class MetadataInvalid(ValidationFailed):
    """One or more keys break a rule; `code` is the Overbooked code of the first one."""

    def __init__(self, messages: list[str], code: str):
        super().__init__({FIELD: messages})
        self.code = code


def _named(key: str) -> str:
    shown = key if len(key) <= 40 else key[:40] + "…"
    return repr(shown)


def _value_problem(value: Any) -> tuple[str, str] | None:
    """(code, message) when `value` may not be stored, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Bounded so every reader (JavaScript included) reads the number it was given.
        if abs(value) > 2**53:
            return LENGTH_CODE, "a number must be between -2^53 and 2^53"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (TYPE_CODE, "a number must be finite")
    if isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            return LENGTH_CODE, f"a string value may have at most {MAX_STRING_LENGTH} characters"
        if "\x00" in value:  # PostgreSQL's jsonb cannot hold NUL
            return TYPE_CODE, "a string value may not contain NUL characters"
        return None
    return TYPE_CODE, "a value must be a string, a number or a boolean"


def _key_problem(key: Any) -> tuple[str, str] | None:
    if not isinstance(key, str):
        return TYPE_CODE, "a key must be a string"
    if not key or len(key) > MAX_KEY_LENGTH:
        return LENGTH_CODE, f"a key must have 1 to {MAX_KEY_LENGTH} characters"
    if "\x00" in key:
        return TYPE_CODE, "a key may not contain NUL characters"
    return None


def _raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise MetadataInvalid([message for _, message in problems], problems[0][0])


def _check_object(value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise MetadataInvalid(["must be an object of keys and values"], TYPE_CODE)
    return value


def _check_count(result: Mapping[str, Any]) -> None:
    if len(result) > MAX_KEYS:
        raise MetadataInvalid([f"may have at most {MAX_KEYS} keys"], LENGTH_CODE)


def metadata_merge(current: Mapping[str, Any] | None, changes: Any) -> Metadata:
    """`current` with `changes` applied: given keys replace, `None` or `""` removes a key."""
    changes = _check_object(changes)
    problems: list[tuple[str, str]] = []
    result: Metadata = dict(current or {})
    for key, value in changes.items():
        key_problem = _key_problem(key)
        if key_problem:
            problems.append((key_problem[0], f"key {_named(str(key))}: {key_problem[1]}"))
            continue
        if value is None or value == "":
            result.pop(key, None)
            continue
        value_problem = _value_problem(value)
        if value_problem:
            problems.append((value_problem[0], f"key {_named(key)}: {value_problem[1]}"))
            continue
        result[key] = value
    _raise_if(problems)
    _check_count(result)
    return result


def metadata_clean(value: Any) -> Metadata:
    """A whole object, as given on create (`null` or `""` values are simply left out)."""
    if value is None:
        return {}
    return metadata_merge({}, value)
