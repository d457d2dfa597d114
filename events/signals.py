"""Signals of the event log, for its readers (webhooks) to hear of new rows without polling.

`events_recorded` is sent by events/services.py after it writes event rows, inside the
writer's transaction; a receiver that acts on the rows must wait for the commit
(`transaction.on_commit`), since the rows do not exist for anyone else before it. The
sender is lower in the layers than its receivers, so it never imports them.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `account_id` and `count` (how many rows were written).
events_recorded = Signal()
