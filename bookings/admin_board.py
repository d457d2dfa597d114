"""The planning board: the manager's rentals down the side, days across, one bar per stay.

Each day is two half-day columns. A stay's bar starts in the second half of its
check-in day and ends with the first half of its check-out day, in the rental's own time
zone, so a guest leaving on Saturday and the next arriving that Saturday share the day
and both show. Slots (bookings/admin_slots.py) are outlined bars in lanes below the
stays, each with booked/capacity; the bookings of a slot are counted there, not drawn
as stays. A page costs three queries whatever its size: the page of rentals, then all
their bookings in the window, then all their slots with their counts (bench/admin.py
times 1,000 rentals × 30 days). Times are read as epoch seconds and placed with one
bisect each (bookings/admin_halfdays.py): at that size datetimes cost more than the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from html import escape  # Django's escape() without its lazy-string wrapper, 10,000 times
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Left
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.admin_scoping import scope_to_user
from bookings.admin_extensions import BoardAlert, board_alert_providers
from bookings.admin_halfdays import Epoch, HalfDays, epoch
from bookings.admin_slots import STATUS_CLASSES, STATUS_TITLES, slot_bookings_url
from bookings.models import Booking, reference_for
from rentals.models import Rental
from slots.selectors import slots_in_window

WINDOWS = (7, 14, 30, 60)
DEFAULT_WINDOW = 30
PER_PAGE = 50
MAX_PER_PAGE = 1000
# UTC offsets run from −12 to +14 hours: a window of local days, read in UTC, is at most
# this much wider on each side; rows then clip to their rental's own days.
WIDEST_OFFSET = dt.timedelta(hours=14)
# What a bar shows, read as tuples: model instances for 5,000 bookings cost more than the
# rest of a 1,000-rental page. Buffers (preparation time, §9) are drawn as hatched bands.
BAR_FIELDS = [
    "id",
    "rental_id",
    "client__fullname",
    "status",
    "start_s",  # start_at and end_at in epoch seconds
    "end_s",
    "note",  # the first characters of `notes` (annotated), the reason of an Unavailable
    "source",
    "buffer_before",
    "buffer_after",
]
# What a slot shows: a row of slots_in_window with its times in epoch seconds.
SLOT_FIELDS = ("id", "rental_id", "start_s", "end_s", "capacity", "status", "lock_s", "booked")
# 🔒 as an entity: one character beyond U+FFFF makes the whole page's str 4 bytes a character.
LOCK = "&#x1F512;"


# A stay as the board draws it: its grid lines (1-based half-day columns, clipped to the
# window), lane, whether it continues before / after the window, whether it is in
# conflict, then booking id, reference, status, source, label, local check-in and
# check-out (`YYYY-MM-DD HH:MM`) and its buffers (preparation time) in days. A plain
# tuple, as the slots' below: see SlotMark.
Bar = tuple[int, int, int, bool, bool, bool, int, str, str, str, str, str, str, float, float]


# A slot as the board draws it (the calendar's is admin_slots.SlotBar): its grid lines
# (unclipped: before 1 or after the last line it continues past the window), lane, id,
# status, capacity, active bookings, local hours (`2026-12-06 09:00 → 11:00`) and, when
# locked now, until when. A plain tuple: a page holds 12,000 slots and 5,000 stays, and
# the garbage collector stops tracking tuples of plain values, where as many objects
# made most requests run a full collection over the whole process (~100 ms).
SlotMark = tuple[int, int, int, int, str, int, int, str, str]


@dataclass
class Row:
    # Tuples, not lists: a tuple of plain tuples leaves the garbage collector's books too.
    rental: Rental
    today: dt.date
    bars: tuple[Bar, ...] = ()
    slots: tuple[SlotMark, ...] = ()
    alerts: tuple[tuple[BoardAlert, int, int], ...] = ()  # and grid lines
    lanes: int = 1


@dataclass
class Board:
    start: dt.date
    days: list[dt.date]
    today: dt.date
    rows: list[Row]
    page: Page
    window: int
    query: str
    per_page: int

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.window)

    @property
    def previous_start(self) -> dt.date:
        return self.start - dt.timedelta(days=self.window)

    @property
    def next_start(self) -> dt.date:
        return self.end

    @property
    def half_days(self) -> int:
        return 2 * self.window


def parse_window(value: str | None) -> int:
    try:
        window = int(value or "")
    except ValueError:
        return DEFAULT_WINDOW
    return window if window in WINDOWS else DEFAULT_WINDOW


def parse_per_page(value: str | None) -> int:
    try:
        return min(max(int(value or ""), 1), MAX_PER_PAGE)
    except ValueError:
        return PER_PAGE


def parse_start(value: str | None, default: dt.date) -> dt.date:
    """`YYYY-MM-DD` within the years the booking rules accept (DESIGN §15), else `default`."""
    try:
        start = dt.date.fromisoformat(value or "")
    except ValueError:
        return default
    return start if dt.date(1970, 1, 1) <= start <= dt.date(2199, 11, 1) else default


def board_today(rentals: list[Rental], now: dt.datetime) -> dt.date:
    """The agency's local day: that of the time zone most of the page's rentals use."""
    if not rentals:
        return now.date()
    zone, _ = Counter(rental.timezone for rental in rentals).most_common(1)[0]
    return now.astimezone(ZoneInfo(zone)).date()


def search_rentals(rentals: QuerySet, query: str) -> QuerySet:
    if query:
        rentals = rentals.filter(Q(name__icontains=query) | Q(city__icontains=query))
    return rentals.order_by("name", "id")


def planning_board(
    rentals: QuerySet,
    *,
    now: dt.datetime,
    start: str | None = None,
    window: int = DEFAULT_WINDOW,
    query: str = "",
    rental_id: int | None = None,
    page: str | int | None = 1,
    per_page: int = PER_PAGE,
) -> Board:
    """`rentals` is already scoped to the user; `start` is a `YYYY-MM-DD` string or None."""
    if rental_id is not None:
        rentals = rentals.filter(pk=rental_id)
    rentals = rentals.only("id", "account_id", "name", "city", "timezone")
    paginator = Paginator(search_rentals(rentals, query), per_page)
    rental_page = paginator.get_page(page)
    page_rentals: list[Rental] = list(rental_page.object_list)
    today = board_today(page_rentals, now)
    first = parse_start(start, today)
    days = [first + dt.timedelta(days=i) for i in range(window)]
    after = first + dt.timedelta(days=window)

    by_rental: dict[int, list] = defaultdict(list)
    slots_by_rental: dict[int, list] = defaultdict(list)
    if page_rentals:
        utc_start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC) - WIDEST_OFFSET
        utc_end = dt.datetime.combine(after, dt.time(), tzinfo=dt.UTC) + WIDEST_OFFSET
        bookings = (
            Booking.objects.filter(
                # account first: the (account, rental, start_at, end_at) index leads with it
                account_id__in={r.account_id for r in page_rentals},
                rental_id__in=[r.pk for r in page_rentals],
                slot__isnull=True,  # a slot's bookings are counted in its bar
            )
            .overlapping(utc_start, utc_end)
            .blocking(now)
            .annotate(note=Left("notes", 120), start_s=Epoch("start_at"), end_s=Epoch("end_at"))
            .order_by("rental_id", "start_at", "id")
            .values_list(*BAR_FIELDS)  # plain tuples, as SlotMark
        )
        for booking in bookings:
            by_rental[booking[1]].append(booking)
        slots = (
            slots_in_window(rentals=page_rentals, start_at=utc_start, end_at=utc_end, now=now)
            .annotate(start_s=Epoch("start_at"), end_s=Epoch("end_at"), lock_s=Epoch("lock_until"))
            .values_list(*SLOT_FIELDS)
        )
        sql, params = slots.query.sql_with_params()
        with connection.cursor() as cursor:  # not values_list: it would int() every count
            cursor.execute(sql, params)
            for slot in cursor.fetchall():
                slots_by_rental[slot[1]].append(slot)

    alerts: dict[int, list[BoardAlert]] = defaultdict(list)
    for provider in board_alert_providers:
        for alert in provider([r.pk for r in page_rentals], first, after):
            alerts[alert.rental_id].append(alert)

    rows = []
    grids: dict[str, HalfDays] = {}
    now_s = epoch(now)
    last_line = 2 * window + 1
    for rental in page_rentals:
        tz = rental.tzinfo
        grid = grids.get(rental.timezone) or grids.setdefault(
            rental.timezone, HalfDays(tz, first, window)
        )
        row = Row(rental=rental, today=now.astimezone(tz).date())
        row.alerts = tuple(
            (
                alert,
                max(1, 2 * (alert.first_day - first).days + 2),
                min(last_line, 2 * (alert.after_last_day - first).days + 2),
            )
            for alert in alerts.get(rental.pk, ())
        )
        row.bars, stay_lanes = _bars(by_rental.get(rental.pk, ()), grid, last_line)
        row.slots, slot_lanes = _slot_marks(
            slots_by_rental.get(rental.pk, ()), grid, last_line, now_s, stay_lanes + 1
        )
        row.lanes = max(1, stay_lanes + slot_lanes)
        rows.append(row)
    return Board(
        start=first,
        days=days,
        today=today,
        rows=rows,
        page=rental_page,
        window=window,
        query=query,
        per_page=per_page,
    )


def _bars(bookings, grid: HalfDays, last_line: int) -> tuple[tuple[Bar, ...], int]:
    """The bars of a rental's blocking bookings (rows of BAR_FIELDS by check-in: their
    stored status is their effective one, as `blocking(now)` leaves out expired holds)
    that meet the window, and how many lanes they take; `last_line` is the line after
    the window's last half-day."""
    placed = []
    for booking in bookings:
        in_day, out_day = grid.day(booking[4]), grid.day(booking[5])
        if out_day == in_day:  # a stay within one day (a room by the hour) fills that day
            start_line = 2 * in_day + 1
            end_line = start_line + 2
        else:
            start_line = 2 * in_day + 2
            end_line = 2 * out_day + 2
        if end_line > 1 and start_line < last_line:
            placed.append((start_line, end_line, booking))
    if not placed:
        return (), 0
    spans = [(max(start_line, 1), min(end_line, last_line)) for start_line, end_line, _ in placed]
    lanes, conflicts = _assign_lanes(spans)
    bars: list[Bar] = []
    for (start_line, end_line, booking), (start, end), lane, conflict in zip(
        placed, spans, lanes, conflicts, strict=True
    ):
        booking_id, _, client, status, start_s, end_s, note, source, before, after = booking
        reference = reference_for(booking_id)
        if status == Booking.Status.UNAVAILABLE:
            label = note.strip().split("\n")[0][:80]
            label = label or (f"Blocked by {source}" if source else "Unavailable")
        else:
            label = client or reference
        bars.append(
            (start, end, lane, start_line < 1, end_line > last_line, conflict,
             booking_id, reference, status, source, label,
             grid.text(start_s), grid.text(end_s), before / 1440, after / 1440)
        )  # fmt: skip
    return tuple(bars), max(lanes)


def _assign_lanes(spans: list[tuple[int, int]]) -> tuple[list[int], list[bool]]:
    """The lane of each bar (its start and end lines, by check-in) and whether it is in
    conflict: bars that would overlap go to a lane below and are flagged, as on one
    rental that is a conflict the manager must see (the rules forbid it for blocking
    stays)."""
    lanes: list[int] = []
    lane_ends: list[int] = []
    for start, end in spans:
        for index, lane_end in enumerate(lane_ends):
            if start >= lane_end:
                lane_ends[index] = end
                lanes.append(index + 1)
                break
        else:
            lane_ends.append(end)
            lanes.append(len(lane_ends))
    conflicts = [lane > 1 for lane in lanes]
    if len(lane_ends) > 1:
        for index, (start, end) in enumerate(spans):  # what a later bar collided with
            if lanes[index] == 1 and any(
                other_lane > 1 and other_start < end and start < other_end
                for (other_start, other_end), other_lane in zip(spans, lanes, strict=True)
            ):
                conflicts[index] = True
    return lanes, conflicts


def _slot_marks(
    slots, grid: HalfDays, last_line: int, now_s: int, first_lane: int
) -> tuple[tuple[SlotMark, ...], int]:
    """The marks of a rental's slots (rows of SLOT_FIELDS ordered by start) that meet the
    window, and how many lanes from `first_lane` on they take: slots sharing a half-day
    sit one above the other (no conflict: hourly slots of one morning do not overlap).
    A slot covers the half-days its hours touch (admin_slots.slot_lines)."""
    marks: list[SlotMark] = []
    lane_ends: list[int] = []
    place = grid.place
    for slot_id, _, start, end, capacity, status, lock, booked in slots:
        start_line, end_line, hours = place(start, end)
        if end_line <= 1 or start_line >= last_line:
            continue
        for index, lane_end in enumerate(lane_ends):
            if start_line >= lane_end:
                lane_ends[index] = end_line
                lane = first_lane + index
                break
        else:
            lane = first_lane + len(lane_ends)
            lane_ends.append(end_line)
        locked_until = grid.text(lock) if lock is not None and lock > now_s else ""
        marks.append(
            (start_line, end_line, lane, slot_id, status, capacity, booked, hours, locked_until)
        )
    return tuple(marks), len(lane_ends)


BUFFER = '<span class="buffer buffer-{}" style="--f: {:.4f}"></span>'


def render_rows(board: Board) -> SafeString:
    """The rows' HTML, built in Python: at 1,000 rentals and 10,000 bars the template
    engine took seconds (a `{% url %}` and four date filters per bar); string building
    with URLs reversed once takes milliseconds. Every text from the database is escaped."""
    booking_url = reverse("admin:bookings_booking_change", args=[0]).replace("/0/", "/{}/")
    rental_url = reverse("admin:rentals_rental_change", args=[0]).replace("/0/", "/{}/")
    calendar_url = reverse("admin:rentals_rental_calendar", args=[0]).replace("/0/", "/{}/")
    slot_url_head, slot_url_tail = escape(slot_bookings_url(0)).split("slot__id__exact=0", 1)
    slot_url_head += "slot__id__exact="
    last_line = board.half_days + 1
    out: list[str] = []
    add = out.append
    for row in board.rows:
        rental = row.rental
        rid, zone = rental.pk, escape(rental.timezone)
        add(
            f'<div class="board-row" data-rental="{rid}"><div class="board-rental">'
            f'<a href="{rental_url.format(rid)}" class="rental-name" title="{escape(rental.name)}">'
            f"{escape(rental.name)}</a>"
            f'<span class="rental-city">{escape(rental.city)}</span>'
            f'<a href="{calendar_url.format(rid)}" class="rental-calendar" title="month calendar">'
            f"cal</a></div>"
            f'<div class="board-track" data-rental="{rid}" data-timezone="{zone}" '
            f'style="grid-template-rows: repeat({row.lanes}, 1.75em)">'
        )
        for (
            start, end, lane, continues_before, continues_after, conflict,
            booking_id, reference, status, source, label, check_in, check_out, before, after,
        ) in row.bars:  # fmt: skip
            classes = f"board-bar status-{status}"
            if continues_before:
                classes += " continues-before"
            if continues_after:
                classes += " continues-after"
            if conflict:
                classes += " conflict"
            source = escape(source) if source else ""
            if source:
                classes += " from-source"
            label = escape(label)
            title = (
                f"{reference} · {status.capitalize()}"
                + (f" · from {source}" if source else "")
                + f" · {check_in} → {check_out} ({zone})"
                + (f" · {label}" if label else "")
                + (" · CONFLICT" if conflict else "")
            )
            add(
                f'<a class="{classes}" style="grid-column: {start} / {end}; '
                f'grid-row: {lane}" href="{booking_url.format(booking_id)}" '
                f'data-reference="{reference}" data-status="{status}" '
                f'data-check-in="{check_in[:10]}" data-check-out="{check_out[:10]}"'
                + (f' data-source="{source}"' if source else "")
                + f' title="{title}">'
            )
            if before:
                add(BUFFER.format("before", before))
            add('<span class="bar-label">')
            if source:
                add(f'<span class="bar-source">⇣ {source}</span> ')
            add(f"{label}</span>")
            if after:
                add(BUFFER.format("after", after))
            add("</a>")
        for start, end, lane, slot_id, status, capacity, booked, hours, locked in row.slots:
            # the page's most numerous element: one tag, its count as its text
            classes = STATUS_CLASSES.get(status, "slot-unknown")
            count = f"{booked}/{capacity}"
            if booked >= capacity:
                classes += " full"
                title = f"Slot {hours} · {count} booked (full){STATUS_TITLES.get(status, '')}"
            else:
                title = f"Slot {hours} · {count} booked{STATUS_TITLES.get(status, '')}"
            if locked:
                classes += " locked"
                title += f" · locked until {locked}"
                count += f" {LOCK}"
            if start < 1:
                classes += " continues-before"
                start = 1
            if end > last_line:
                classes += " continues-after"
                end = last_line
            add(
                f'<a class="board-slot {classes}" style="grid-column: {start} / {end}; '
                f'grid-row: {lane}" href="{slot_url_head}{slot_id}{slot_url_tail}" '
                f'data-slot="{slot_id}" title="{title} ({zone})">{count}</a>'
            )
        for alert, start_line, end_line in row.alerts:
            add(
                f'<a class="board-alert" style="grid-column: {start_line} / {end_line}" '
                f'href="{escape(alert.url)}" title="{escape(alert.label)}" '
                f'data-first-day="{alert.first_day:%Y-%m-%d}">⚠ {escape(alert.label)}</a>'
            )
        add("</div></div>")
    return mark_safe("".join(out))  # noqa: S308  (every value above is escaped)


def board_view(model_admin, request: HttpRequest) -> TemplateResponse:
    """`/admin/bookings/booking/board/`: the page, for the bookings admin's URLs."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    now = timezone.now()
    try:
        rental_id = int(request.GET["rental"]) if request.GET.get("rental") else None
    except ValueError:
        rental_id = None
    query = request.GET.get("q", "").strip()[:100]
    board = planning_board(
        scope_to_user(Rental.objects.all(), request),
        now=now,
        start=request.GET.get("start"),
        window=parse_window(request.GET.get("days")),
        query=query,
        rental_id=rental_id,
        page=request.GET.get("page"),
        per_page=parse_per_page(request.GET.get("per_page")),
    )

    def url(**changes) -> str:
        params = {
            "start": board.start.isoformat(),
            "days": board.window,
            "q": query,
            "rental": rental_id or "",
            "per_page": board.per_page if board.per_page != PER_PAGE else "",
            "page": board.page.number if board.page.number != 1 else "",
        }
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})

    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Planning board",
        "opts": model_admin.opts,
        "board": board,
        "has_view_permission": True,
        "is_nav_sidebar_enabled": False,  # the board needs the whole width
        "previous_url": url(start=board.previous_start.isoformat(), page=""),
        "next_url": url(start=board.next_start.isoformat(), page=""),
        "today_url": url(start="", page=""),
        "window_urls": [(w, url(days=w), w == board.window) for w in WINDOWS],
        "page_urls": [
            (n, url(page=n), n == board.page.number)
            for n in board.page.paginator.get_elided_page_range(board.page.number)
            if isinstance(n, int)
        ],
        "add_url": reverse("admin:bookings_booking_add"),
        "rental_filter": rental_id,
        "rows_html": render_rows(board),
    }
    return TemplateResponse(request, "admin/bookings/booking/board.html", context)
