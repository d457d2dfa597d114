"""How times go on the wire: true UTC instants, `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

import datetime as dt


def utc_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
