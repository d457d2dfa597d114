"""A client's e-mails and phones as a list of inputs, not a JSON text box.

The widget renders one input per value plus an empty one, all with the field's name;
the browser posts them as a list and `value_from_datadict` reads it with getlist().
A small script adds another input when the last one is filled in.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join

from bookings.inputs import CLIENT_LIST_ITEM_LENGTH, MAX_LIST_ITEMS

# The bounds are the typed input's (bookings/inputs.py), which the form applies again.
MAX_ITEMS = MAX_LIST_ITEMS
MAX_LENGTH = CLIENT_LIST_ITEM_LENGTH


class ListInput(forms.Widget):
    input_type = "text"

    def __init__(self, input_type: str = "text", attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.input_type = input_type

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        values = getlist(name) if getlist else data.get(name, [])
        return list(values) if isinstance(values, list) else [values]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data

    def render(self, name, value, attrs=None, renderer=None):
        values = [v for v in (value or []) if v] + [""]
        inputs = format_html_join(
            "",
            '<input type="{}" name="{}" value="{}" maxlength="{}" class="vTextField list-input">',
            ((self.input_type, name, v, MAX_LENGTH) for v in values),
        )
        return format_html(
            '<div class="list-inputs" data-name="{}">{}</div>'
            '<script>(function (box) {{ box.addEventListener("input", function () {{'
            ' var inputs = box.querySelectorAll("input"), last = inputs[inputs.length - 1];'
            " if (last.value && inputs.length < {}) {{ var more = last.cloneNode();"
            ' more.value = ""; box.appendChild(more); }} }}); }})'
            "(document.currentScript.previousElementSibling);</script>",
            name,
            inputs,
            MAX_ITEMS,
        )


class ListField(forms.Field):
    widget = ListInput

    def __init__(self, *, item_validators: list | None = None, **kwargs: Any) -> None:
        self.item_validators = item_validators or []
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [value]
        items = [str(v).strip() for v in value if str(v).strip()]
        if len(items) > MAX_ITEMS:
            raise forms.ValidationError(f"At most {MAX_ITEMS} entries.")
        for item in items:
            if len(item) > MAX_LENGTH:
                raise forms.ValidationError(f"{item[:40]}…: at most {MAX_LENGTH} characters.")
        return list(dict.fromkeys(items))  # drop repeats, keep the order

    def validate(self, value) -> None:
        super().validate(value)
        for item in value:
            for validator in self.item_validators:
                validator(item)

    def prepare_value(self, value):
        return value if isinstance(value, list) else value or []

    def has_changed(self, initial, data) -> bool:
        return list(initial or []) != self.to_python(data)
