"""How times go on the wire: true UTC instants, `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

import datetime as dt
from typing import overload


@overload
def utc_text(value: dt.datetime) -> str: ...
@overload
def utc_text(value: dt.datetime | None) -> str | None: ...
def utc_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    # isoformat is implemented in C; strftime was a tenth of a list page's CPU.
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
