"""The first attempt within moments of the commit: each transaction that writes events
enqueues one delivery pass for its account once it commits (events/signals.py).

Enqueueing is best effort: if the broker is down the commit still succeeds, and beat's
sweep (`deliver-webhooks`, every WEBHOOKS_SWEEP_SECONDS) picks the events up.
"""

from __future__ import annotations

import contextlib
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)


def queued_flag(account_id: int) -> str:
    return f"webhooks:pass-queued:{account_id}"


def _enqueue(account_id: int) -> None:
    from webhooks.tasks import deliver_webhooks

    flag = queued_flag(account_id)
    try:
        # A pass already queued for the account will see this commit: it clears the flag
        # before it reads the log. Only with a cache the worker shares (Redis); the flag
        # expires on its own in case that pass is lost.
        if settings.REDIS_URL and not cache.add(flag, 1, timeout=5):
            return
        deliver_webhooks.apply_async(kwargs={"account_id": account_id}, expires=60, retry=False)
    except Exception:  # Redis or the broker is down: beat's sweep delivers later
        logger.warning("could not enqueue webhook delivery; the sweep will", exc_info=True)
        with contextlib.suppress(Exception):  # the warning above says it all
            cache.delete(flag)


def kick_on_commit(sender: Any, *, account_id: int, **kwargs: Any) -> None:
    """Receiver of events_recorded."""
    enqueue_after_commit(account_id)


def enqueue_after_commit(account_id: int) -> None:
    """A delivery pass for the account once the current transaction commits."""
    connection = connections[DEFAULT_DB_ALIAS]
    # One pass per account and transaction, however many events it writes.
    for entry in connection.run_on_commit:  # (savepoint ids, callback, robust)
        if getattr(entry[1], "webhooks_account_id", None) == account_id:
            return
    callback = partial(_enqueue, account_id)
    callback.webhooks_account_id = account_id  # type: ignore[attr-defined]
    # robust: nothing that goes wrong here may turn a committed write into an error.
    transaction.on_commit(callback, robust=True)
