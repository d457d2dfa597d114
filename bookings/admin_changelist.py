"""The bookings list at a million rows: a count that does not scan, a cheap date hierarchy,
filters by effective status and by the manager's own rentals.

Django's changelist runs two things that scan a big table on every page view: COUNT(*)
for the paginator, and SELECT DISTINCT date_trunc(…) for the top level of the date
hierarchy. Here the first becomes the planner's estimate when it is large (PostgreSQL),
and the second is replaced by MIN/MAX, which an index answers in two probes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from functools import cached_property

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min
from django.utils import formats, timezone
from django.utils.text import capfirst

from accounts.admin_scoping import scope_to_user
from bookings.admin_desk import DESK_FILTERS
from bookings.models import Booking
from core.timeparse import MAX_INSTANT, MIN_INSTANT

# Below this many rows (as the planner estimates them) the exact COUNT(*) is cheap enough.
EXACT_COUNT_BELOW = 20_000
# A related-object filter with more choices than this is not shown in the sidebar.
MAX_FILTER_CHOICES = 1000


def planner_row_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of how many rows `queryset` returns, without running it."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter such as `pk__in=[]`: nothing to estimate
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Exact counts for small results; the planner's estimate ("about …") for large ones."""

    is_estimate = False

    @cached_property
    def count(self) -> int:
        estimate = planner_row_estimate(self.object_list)
        if estimate is not None and estimate >= EXACT_COUNT_BELOW:
            self.is_estimate = True
            return estimate
        return self.object_list.count()  # type: ignore[attr-defined]  # a QuerySet here


class BookingChangeList(ChangeList):
    """Adds `fast_date_hierarchy`, used by templates/admin/bookings/booking/change_list.html."""

    def get_filters(self, request):
        """A date-hierarchy year outside the bounds of DESIGN §15 is Django's "incorrect
        lookup" (the list reopens unfiltered with ?e=1): Django itself computes the year
        after the chosen one, which overflows at 9999."""
        year = self.params.get(f"{self.date_hierarchy}__year")
        if year is not None:
            bounds = range(MIN_INSTANT.year, MAX_INSTANT.year + 1)
            if not (year.isdigit() and len(year) <= 4 and int(year) in bounds):
                raise IncorrectLookupParameters(
                    f"year must be within {bounds.start}–{bounds.stop - 1}"
                )
        return super().get_filters(request)

    def fast_date_hierarchy(self) -> dict:
        """Django's date_hierarchy links, without SELECT DISTINCT over the whole table.

        Years are every year between the first and last check-in (one MIN/MAX query),
        months every month of the chosen year, days every day of the chosen month; a
        link with no bookings behind it simply opens an empty list.
        """
        field = self.date_hierarchy
        year = self.params.get(f"{field}__year")
        month = self.params.get(f"{field}__month")
        day = self.params.get(f"{field}__day")

        def link(filters: dict) -> str:
            return self.get_query_string(filters, [f"{field}__"])

        try:
            year, month, day = (int(v) if v else None for v in (year, month, day))
        except ValueError:
            return {"show": False}
        if year and month and day:
            date = dt.date(year, month, day)
            return {
                "show": True,
                "back": {
                    "link": link({f"{field}__year": year, f"{field}__month": month}),
                    "title": capfirst(formats.date_format(date, "YEAR_MONTH_FORMAT")),
                },
                "choices": [{"title": capfirst(formats.date_format(date, "MONTH_DAY_FORMAT"))}],
            }
        if year and month:
            days = calendar.monthrange(year, month)[1]
            return {
                "show": True,
                "back": {"link": link({f"{field}__year": year}), "title": str(year)},
                "choices": [
                    {
                        "link": link(
                            {f"{field}__year": year, f"{field}__month": month, f"{field}__day": d}
                        ),
                        "title": capfirst(
                            formats.date_format(dt.date(year, month, d), "MONTH_DAY_FORMAT")
                        ),
                    }
                    for d in range(1, days + 1)
                ],
            }
        if year:
            return {
                "show": True,
                "back": {"link": link({}), "title": "All dates"},
                "choices": [
                    {
                        "link": link({f"{field}__year": year, f"{field}__month": m}),
                        "title": capfirst(
                            formats.date_format(dt.date(year, m, 1), "YEAR_MONTH_FORMAT")
                        ),
                    }
                    for m in range(1, 13)
                ],
            }
        # The bounds of the user's whole list, not of the filtered one: two index probes
        # either way, where a filter (say, live holds) could make MIN walk half the index.
        bounds = self.root_queryset.order_by().aggregate(first=Min(field), last=Max(field))
        if not bounds["first"]:
            return {"show": False}
        first, last = (timezone.localtime(bounds[k]).year for k in ("first", "last"))
        return {
            "show": True,
            "back": None,
            "choices": [
                {"link": link({f"{field}__year": str(y)}), "title": str(y)}
                for y in range(first, last + 1)
            ],
        }


def is_looking_something_up(request) -> bool:
    """A search or a date drill-down looks in the whole history: the list's defaults
    (upcoming, not canceled) would hide what the manager asked for."""
    return bool(request.GET.get("q")) or any(k.startswith("start_at__") for k in request.GET)


class DefaultedListFilter(admin.SimpleListFilter):
    """A filter with a default choice that applies when nothing is chosen (and no search
    or date drill-down is on): the list opens on what a manager wants most days."""

    default = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.looking_up = is_looking_something_up(request)

    def value(self):
        value = super().value()
        if value is None and not self.looking_up:
            return self.default
        return value

    def choices(self, changelist):
        current = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}, [self.parameter_name]
                ),
                "display": title,
            }


class EffectiveStatusFilter(DefaultedListFilter):
    """Status as the API reports it: an expired hold is Canceled, not Tentative. By
    default canceled stays are hidden: they are history, not work."""

    title = "status"
    parameter_name = "status"
    default = "live"

    def lookups(self, request, model_admin):
        return [("live", "Not canceled"), *Booking.Status.choices, ("any", "Any status")]

    def queryset(self, request, queryset):
        value, now = self.value(), timezone.now()
        if value == "live":
            return queryset.blocking(now)
        if value in Booking.Status.values:
            return queryset.with_status([value], now)
        return queryset


class WhenFilter(DefaultedListFilter):
    """Stays not over yet by default, so the first rows are the next arrivals."""

    title = "dates"
    parameter_name = "when"
    default = "upcoming"

    def lookups(self, request, model_admin):
        return [("upcoming", "Current and upcoming"), ("past", "Past"), ("all", "Any date")]

    def queryset(self, request, queryset):
        value, now = self.value(), timezone.now()
        if value == "upcoming":
            return queryset.ending_after(now)
        if value == "past":
            return queryset.filter(end_at__lte=now)
        return queryset


class DeskFilter(admin.SimpleListFilter):
    """The desk's lists (bookings/admin_desk.py): arriving or leaving today, holds lapsing."""

    title = "today"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        return [(key, title) for key, (title, _) in DESK_FILTERS.items()]

    def queryset(self, request, queryset):
        if self.value() in DESK_FILTERS:
            return DESK_FILTERS[self.value()][1](queryset, timezone.now())
        return queryset


class AccountRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-object filter that lists only the manager's own rentals (or clients)."""

    def field_choices(self, field, request, model_admin):
        queryset = scope_to_user(field.remote_field.model._default_manager.all(), request)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        choices = [(obj.pk, str(obj)) for obj in queryset[: MAX_FILTER_CHOICES + 1]]
        # Thousands of links are no filter (a superuser sees every account's rentals:
        # 10,000 cost 0.6 s per page in bench/admin); hide it, a URL parameter still works.
        return [] if len(choices) > MAX_FILTER_CHOICES else choices
