"""Where apps above bookings plug into the back office's desk and planning board.

The desk (the admin index) and the planning board are drawn by the bookings app, but some
of what a manager must see there belongs to apps that stand above it (calendar feeds,
webhooks). Those apps register a provider here from their `AppConfig.ready()`; bookings
never imports them, so the arrows of DESIGN §2 keep pointing one way:

    # calendars/apps.py
    def ready(self):
        from bookings.admin_extensions import DeskPanel, register_desk_panel
        register_desk_panel(feed_conflicts_panel)

    def feed_conflicts_panel(request, now) -> DeskPanel | None:
        ...  # scope to the user with accounts.admin_scoping.scope_to_user
        return DeskPanel(key="feed-conflicts", title="Calendar-feed conflicts",
                         rows=[DeskRow(text="Airbnb: 12–15 Mar overlaps 00000B", url=…)],
                         link=…, link_text="all conflicts", alert=True)

A desk panel provider takes `(request, now)` and returns a DeskPanel, or None when it
has nothing to say. A board alert provider takes `(rental_ids, first_day, after_last_day)`
and returns BoardAlert flags drawn on the planning board's rows (one query per provider
per page, please: the board renders 1,000 rentals in one page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass
class DeskRow:
    text: str
    url: str = ""
    detail: str = ""


@dataclass
class DeskPanel:
    key: str  # a CSS/test hook: `desk-<key>`
    title: str
    rows: list[DeskRow] = field(default_factory=list)
    link: str = ""  # the filtered list this panel summarises
    link_text: str = "see all"
    empty_text: str = "Nothing."
    alert: bool = False  # drawn in red when it has rows
    count: int | None = None  # when more exist than rows shows


@dataclass
class BoardAlert:
    rental_id: int
    first_day: dt.date  # local to the rental
    after_last_day: dt.date
    label: str
    url: str = ""


DeskPanelProvider = Callable[[HttpRequest, dt.datetime], DeskPanel | None]
BoardAlertProvider = Callable[[list[int], dt.date, dt.date], list[BoardAlert]]

desk_panel_providers: list[DeskPanelProvider] = []
board_alert_providers: list[BoardAlertProvider] = []


def register_desk_panel(provider: DeskPanelProvider) -> None:
    if provider not in desk_panel_providers:
        desk_panel_providers.append(provider)


def register_board_alerts(provider: BoardAlertProvider) -> None:
    if provider not in board_alert_providers:
        board_alert_providers.append(provider)
