"""The admin's metadata editor: one row per key (key, type, value), not a raw JSON box.

`MetadataFormField` is what a ModelAdmin form uses for a `metadata` column (rentals,
slots, later bookings and clients). It builds the object from the rows and checks it
with core/metadata.py, so the admin enforces the same rules as the APIs. A row whose
key is blank is ignored; a row whose value is blank removes its key (as `""` does in
the API). A few empty rows are offered for new keys; saving offers fresh ones.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.metadata import (
    MAX_KEY_LENGTH,
    MAX_KEYS,
    MAX_STRING_LENGTH,
    Metadata,
    MetadataInvalid,
    metadata_clean,
)

TYPES = (("string", "text"), ("number", "number"), ("boolean", "true / false"))
EMPTY_ROWS = 3

Row = tuple[str, str, str]  # key, type, value as typed


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class MetadataWidget(forms.Widget):
    """Rows of `<name>-key-<i>`, `<name>-type-<i>`, `<name>-value-<i>` and a row count."""

    def rows_for(self, value: Any) -> list[Row]:
        if isinstance(value, list):  # re-rendering submitted rows (a form error)
            rows = [row for row in value if row[0] or row[2]]
        else:
            if isinstance(value, str):
                try:
                    value = json.loads(value or "{}")
                except ValueError:
                    value = {}
            mapping = value if isinstance(value, dict) else {}
            rows = [(str(k), _type_of(v), _text_of(v)) for k, v in mapping.items()]
        return rows + [("", "string", "")] * EMPTY_ROWS

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        rows = self.rows_for(value)
        body = format_html_join(
            "",
            '<tr><td><input type="text" name="{0}-key-{1}" value="{2}" maxlength="{3}" '
            'aria-label="key" placeholder="key"></td>'
            '<td><select name="{0}-type-{1}" aria-label="type">{4}</select></td>'
            '<td><textarea name="{0}-value-{1}" rows="1" cols="50" maxlength="{5}" '
            'aria-label="value" placeholder="value (blank removes the key)">{6}</textarea>'
            "</td></tr>",
            (
                (
                    name,
                    index,
                    key,
                    MAX_KEY_LENGTH,
                    format_html_join(
                        "",
                        '<option value="{}"{}>{}</option>',
                        (
                            (code, " selected" if code == kind else "", label)
                            for code, label in TYPES
                        ),
                    ),
                    MAX_STRING_LENGTH,
                    text,
                )
                for index, (key, kind, text) in enumerate(rows)
            ),
        )
        return format_html(
            '<table class="metadata-editor" id="{}"><thead><tr><th>key</th><th>type</th>'
            "<th>value</th></tr></thead><tbody>{}</tbody></table>"
            '<input type="hidden" name="{}-rows" value="{}">'
            '<p class="help">At most {} keys. Blank key: the row is ignored.</p>',
            (attrs or {}).get("id", f"id_{name}"),
            body,
            name,
            len(rows),
            MAX_KEYS,
        )

    def value_from_datadict(self, data, files, name) -> list[Row]:
        raw_count = data.get(f"{name}-rows", "0")
        count = min(int(raw_count), MAX_KEYS + EMPTY_ROWS + 100) if raw_count.isdigit() else 0
        return [
            (
                data.get(f"{name}-key-{i}", "").strip(),
                data.get(f"{name}-type-{i}", "string"),
                data.get(f"{name}-value-{i}", ""),
            )
            for i in range(count)
        ]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return f"{name}-rows" not in data


class MetadataFormField(forms.Field):
    widget = MetadataWidget

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("required", False)
        kwargs.pop("encoder", None)  # passed by JSONField.formfield
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)

    def _typed(self, key: str, kind: str, text: str) -> Any:
        if text == "":
            return ""
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise forms.ValidationError(f"{key!r}: a boolean is true or false")
            return lowered == "true"
        if kind == "number":
            try:
                number = float(text.strip())
            except ValueError:
                raise forms.ValidationError(f"{key!r}: {text[:40]!r} is not a number") from None
            return int(number) if number.is_integer() and "." not in text else number
        return text

    def to_python(self, value: Any) -> Metadata:
        if isinstance(value, dict):
            value = [(str(k), _type_of(v), _text_of(v)) for k, v in value.items()]
        errors: list[forms.ValidationError] = []
        given: dict[str, Any] = {}
        for key, kind, text in value or []:
            if not key:
                continue
            try:
                given[key] = self._typed(key, kind, text)
            except forms.ValidationError as exc:
                errors.append(exc)
        if errors:
            raise forms.ValidationError(errors)
        try:
            return metadata_clean(given)
        except MetadataInvalid as exc:  # the same messages as the APIs
            raise forms.ValidationError(exc.errors["metadata"]) from None

    def prepare_value(self, value: Any) -> Any:
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (initial or {})
        except forms.ValidationError:
            return True
