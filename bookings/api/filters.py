"""The search parameters of `GET /api/v3/bookings` (DESIGN §4), parsed with django-filter.

Each parameter is parsed and validated by its form field, so a bad value is a 422
naming the parameter; the query itself is built by bookings.selectors.bookings_search,
because the parameters depend on each other (`from` has no default with `updated_since`).
"""

from __future__ import annotations

import re

from django import forms
from django.http import QueryDict
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from bookings import selectors
from bookings.models import Booking, id_for_reference
from core import scopes
from core.exceptions import ScopeRequired
from core.timeparse import OUT_OF_RANGE, as_utc_instant

TIME_FORMATS = "ISO 8601, YYYY-MM-DD, YYYYMMDD or YYYY-MM-DD HH:MM:SS UTC"
SEARCH_STATUSES = ("booked", "unavailable", "tentative")
_IDS = re.compile(r"^\s*\d+\s*(,\s*\d+\s*)*,?\s*$")


class InstantField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return as_utc_instant(value)
        except (ValueError, OverflowError) as exc:
            if str(exc) == OUT_OF_RANGE:
                raise forms.ValidationError(OUT_OF_RANGE) from None
            raise forms.ValidationError(f"is not a time ({TIME_FORMATS})") from None


class StrictBooleanField(forms.Field):
    """`true`/`false`/`1`/`0`; anything else is an error, not silently false."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("must be true or false")


class IdListField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return []
        if not _IDS.match(value):
            raise forms.ValidationError("must be a comma-separated list of ids")
        ids = [int(part) for part in value.split(",") if part.strip()]
        if any(number > 2**63 - 1 for number in ids):
            raise forms.ValidationError("must be a comma-separated list of ids")
        return ids


class MonthsField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, max_value=1200, **kwargs)


class TextListField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return []
        if "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise forms.ValidationError("must not contain NUL characters")
        return [part.strip() for part in value.split(",") if part.strip()]


class StatusListField(TextListField):
    def to_python(self, value):
        statuses = [status.lower() for status in super().to_python(value)]
        unknown = sorted(set(statuses) - set(SEARCH_STATUSES))
        if unknown:
            raise forms.ValidationError(
                f"unknown status {', '.join(unknown)} (use {', '.join(SEARCH_STATUSES)})"
            )
        return statuses


def _param(field_class: type[forms.Field], schema: dict, help_text: str) -> filters.Filter:
    """A parameter parsed by `field_class`; the selector, not the filter, applies it."""
    param = type(f"{field_class.__name__}Filter", (filters.Filter,), {"field_class": field_class})
    return extend_schema_field({**schema, "description": help_text})(param(help_text=help_text))


def _time(help_text: str) -> filters.Filter:
    return _param(InstantField, {"type": "string"}, f"{help_text} ({TIME_FORMATS})")


def _list(help_text: str) -> filters.Filter:
    return _param(TextListField, {"type": "string"}, help_text)


class BookingSearchFilter(filters.FilterSet):
    until = _time("bookings starting before it")
    months = _param(
        MonthsField,
        {"type": "integer", "minimum": 0, "maximum": 1200},
        "bookings starting before from + that many months",
    )
    status = _param(
        StatusListField, {"type": "string"}, "comma list of booked, unavailable, tentative"
    )
    include_canceled = _param(
        StrictBooleanField,
        {"type": "boolean"},
        "true adds canceled bookings (needs bookings_read or bookings_write, else 403)",
    )
    rental_id = _param(IdListField, {"type": "string"}, "comma list of rental ids")
    client_id = _param(IdListField, {"type": "string"}, "comma list of client ids")
    reference = _list("comma list of booking references (0000DW)")
    external_reference = _list("comma list of external references")
    updated_since = _time(
        "bookings updated after it, any status, ordered by update; meta.deleted_ids lists "
        "the ids canceled after it"
    )

    class Meta:
        model = Booking
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter for each request and builds a new form
        # class from the copies. These filters only parse (bookings_search builds the
        # query) and keep nothing of a request, so every search shares them and one form
        # class: that copying was a tenth of a small search's time (bench/profile.py).
        self.is_bound = data is not None
        self.data = data if data is not None else QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_shared_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._shared_form_class = form_class
        return form_class

    def params(self) -> dict:
        """The parsed parameters (a 422 naming the first bad one), for the view's meta."""
        if not self.is_valid():
            raise translate_validation(self.errors)
        return dict(self.form.cleaned_data)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        view = self.request.parser_context["view"]
        if data.get("include_canceled") and not view.client.has_scope(
            scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE
        ):
            raise ScopeRequired(scopes.BOOKINGS_READ, scopes.BOOKINGS_WRITE)
        references = data.get("reference") or []
        try:
            return self._search(queryset, data, view, references)
        except (OverflowError, ValueError):  # from + months past year 9999
            raise ValidationError({"months": ["reaches past the largest time"]}) from None

    def _search(self, queryset, data, view, references):
        return selectors.bookings_search(
            queryset,
            now=view.now,
            start_from=data.get("from"),
            until=data.get("until"),
            months=data.get("months"),
            statuses=data.get("status") or (),
            include_canceled=bool(data.get("include_canceled")),
            rental_ids=data.get("rental_id") or (),
            client_ids=data.get("client_id") or (),
            booking_ids=(
                [pk for pk in map(id_for_reference, references) if pk and pk < 2**63]
                if references
                else None
            ),
            external_references=data.get("external_reference") or (),
            updated_since=data.get("updated_since"),
        )


# `from` is a Python keyword, so it cannot be declared in the class body.
BookingSearchFilter.base_filters["from"] = _time("bookings ending after it; default now")
