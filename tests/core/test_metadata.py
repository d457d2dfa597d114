"""The metadata rules of DESIGN §10 (core/metadata.py) and the admin's key/value editor."""

from __future__ import annotations

import pytest

from core.metadata import MetadataInvalid, metadata_clean, metadata_merge
from core.metadata_admin import MetadataFormField, MetadataWidget


def test_strings_numbers_and_booleans_are_kept():
    value = {"email": "a@example.com", "seats": 3, "ratio": 0.5, "vip": True}
    assert metadata_clean(value) == value


def test_null_and_empty_values_are_left_out_on_create():
    assert metadata_clean({"a": None, "b": "", "c": "x"}) == {"c": "x"}
    assert metadata_clean(None) == {}


def test_merge_replaces_given_keys_removes_null_or_empty_and_keeps_absent_ones():
    current = {"keep": 1, "replace": "old", "drop": "x", "drop_too": True}
    assert metadata_merge(current, {"replace": "new", "drop": None, "drop_too": "", "add": 2}) == {
        "keep": 1,
        "replace": "new",
        "add": 2,
    }


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"k" * 101: "v"}, "E042"),
        ({"": "v"}, "E042"),
        ({"k": "v" * 5001}, "E042"),
        ({f"k{i}": i for i in range(51)}, "E042"),
        ({"k": {"nested": 1}}, "E043"),
        ({"k": [1, 2]}, "E043"),
        ({"k": float("nan")}, "E043"),
        (["not", "an", "object"], "E043"),
        ({"k": "nul\x00"}, "E043"),
    ],
)
def test_a_value_over_the_limits_is_refused_with_its_code(value, code):
    with pytest.raises(MetadataInvalid) as caught:
        metadata_clean(value)
    assert caught.value.code == code


def test_the_error_names_the_key():
    with pytest.raises(MetadataInvalid) as caught:
        metadata_clean({"ok": 1, "colour": ["red"]})
    assert "'colour'" in caught.value.errors["metadata"][0]


def test_limits_are_exact():
    assert metadata_clean({"k" * 100: "v" * 5000})
    assert len(metadata_clean({f"k{i}": i for i in range(50)})) == 50


def test_the_key_count_is_checked_after_the_merge():
    current = {f"k{i}": i for i in range(50)}
    assert len(metadata_merge(current, {"k0": None, "new": 1})) == 50
    with pytest.raises(MetadataInvalid):
        metadata_merge(current, {"one_more": 1})


def _post(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {"metadata-rows": str(len(rows))}
    for i, (key, kind, value) in enumerate(rows):
        data |= {f"metadata-key-{i}": key, f"metadata-type-{i}": kind, f"metadata-value-{i}": value}
    return data


def test_the_admin_editor_builds_typed_metadata_from_its_rows():
    field = MetadataFormField()
    data = _post(
        [
            ("email", "string", "a@b.c"),
            ("seats", "number", "3"),
            ("ratio", "number", "0.5"),
            ("vip", "boolean", "true"),
            ("", "string", "ignored"),
            ("gone", "string", ""),
        ]
    )
    value = MetadataWidget().value_from_datadict(data, {}, "metadata")
    assert field.clean(value) == {"email": "a@b.c", "seats": 3, "ratio": 0.5, "vip": True}


@pytest.mark.parametrize(
    "row", [("n", "number", "three"), ("b", "boolean", "yes"), ("k" * 101, "string", "v")]
)
def test_the_admin_editor_refuses_what_the_api_refuses(row):
    from django import forms

    value = MetadataWidget().value_from_datadict(_post([row]), {}, "metadata")
    with pytest.raises(forms.ValidationError):
        MetadataFormField().clean(value)


def test_the_admin_editor_renders_one_row_per_key_plus_empty_ones():
    html = MetadataWidget().render("metadata", {"email": "a@b.c", "vip": False})
    assert 'name="metadata-key-0" value="email"' in html
    assert 'value="boolean" selected' in html
    assert 'name="metadata-rows" value="5"' in html
    assert "<textarea" in html and "json" not in html.lower()
