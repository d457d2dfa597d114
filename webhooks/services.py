"""Every write of the webhooks app: subscriptions, turning events into deliveries, and the
state of a delivery after each attempt (DESIGN §11). The HTTP side is in delivery.py."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q, QuerySet

from accounts.models import Account, Application
from events.models import Event
from events.selectors import Cursor, event_feed
from webhooks.models import Attempt, Delivery, FeedCursor, Subscription
from webhooks.payloads import subscription_may_see

RETRY_WINDOW = dt.timedelta(days=3)
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=6)
FAN_OUT_BATCH = 1000


# --- subscriptions ---------------------------------------------------------------------


def _lock_feed(account_id: int) -> None:
    """Create and lock the account's feed cursor. A subscription is created under this
    lock, so a fan-out never advances past an event a new subscription should get
    (its `created_at` is taken after the lock: every event already fanned out is older)."""
    FeedCursor.objects.get_or_create(account_id=account_id)
    FeedCursor.objects.select_for_update().filter(account_id=account_id).first()


def subscription_create(
    *,
    account: Account,
    url: str,
    events: Sequence[str],
    active: bool = True,
    application: Application | None = None,
) -> Subscription:
    with transaction.atomic():
        _lock_feed(account.pk)
        return Subscription.objects.create(
            account=account, application=application, url=url, events=list(events), active=active
        )


def subscription_update(
    *,
    subscription: Subscription,
    now: dt.datetime,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
) -> Subscription:
    """Change a subscription; `active=True` re-enables one that was disabled (and clears
    the reason), `active=False` gives up its pending deliveries."""
    with transaction.atomic():
        if url is not None:
            subscription.url = url
        if events is not None:
            subscription.events = list(events)
        if active is True and not subscription.active:
            _lock_feed(subscription.account_id)
            subscription.active = True
            subscription.disabled_at = None
            subscription.disabled_reason = ""
            subscription.failing_since = None
        subscription.save()
        if active is False and subscription.active:
            subscription_disable(
                account_id=subscription.account_id,
                subscription_id=subscription.pk,
                reason="disabled by a user",
                now=now,
            )
            subscription.refresh_from_db()
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    """Delete a subscription with its deliveries and their attempt log."""
    subscription.delete()


def subscription_disable(
    *, account_id: int, subscription_id: int, reason: str, now: dt.datetime
) -> None:
    """Stop delivering to a subscription (of account `account_id`); its pending deliveries
    are given up (an integration reconciles from GET /api/v3/events)."""
    with transaction.atomic():
        Subscription.objects.filter(account_id=account_id, pk=subscription_id, active=True).update(
            active=False, disabled_at=now, disabled_reason=reason[:500], updated_at=now
        )
        Delivery.objects.filter(
            account_id=account_id, subscription_id=subscription_id, status=Delivery.Status.PENDING
        ).update(
            status=Delivery.Status.FAILED,
            next_attempt_at=None,
            last_error=f"subscription disabled: {reason}"[:500],
        )


def test_event_send(*, subscription: Subscription, now: dt.datetime) -> Delivery:
    """Queue a `test` event to the subscription (one attempt, not retried)."""
    return Delivery.objects.create(
        account_id=subscription.account_id,
        subscription=subscription,
        event=None,
        event_name=Delivery.TEST_EVENT,
        created_at=now,
        next_attempt_at=now,
        give_up_at=now,
    )


def delivery_redeliver(*, delivery: Delivery, now: dt.datetime) -> None:
    """Attempt a delivery again now, with a fresh retry window."""
    Delivery.objects.filter(account_id=delivery.account_id, pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        give_up_at=max(now + RETRY_WINDOW, delivery.give_up_at),
        delivered_at=None,
    )


# --- events -> deliveries --------------------------------------------------------------


def deliveries_fan_out(*, now: dt.datetime, account_id: int | None = None) -> int:
    """Turn new events into deliveries (for one account, or every account with an active
    subscription); how many were created. Safe in several workers at once: an account's
    cursor is taken with SKIP LOCKED, so one worker fans out each account."""
    if account_id is not None:
        accounts = [account_id]
    else:
        accounts = list(
            Subscription.objects.filter(active=True)
            .values_list("account_id", flat=True)
            .distinct()
            .order_by()
        )
    return sum(_fan_out_account(account, now) for account in accounts)


def _fan_out_account(account_id: int, now: dt.datetime) -> int:
    created = 0
    while True:
        with transaction.atomic():
            cursor = FeedCursor.objects.select_for_update().filter(account_id=account_id).first()
            if cursor is None:
                return created  # the account never subscribed
            subscriptions = list(
                Subscription.objects.filter(account_id=account_id, active=True).select_related(
                    "application"
                )
            )
            if not subscriptions:
                return created
            events = event_feed(
                account_id=account_id,
                after=Cursor(cursor.txid, cursor.event_id),
                limit=FAN_OUT_BATCH,
            )
            rows = [
                Delivery(
                    account_id=account_id,
                    subscription=subscription,
                    event=event,
                    event_name=event.event,
                    created_at=now,
                    next_attempt_at=now,
                    give_up_at=now + RETRY_WINDOW,
                )
                for event in events
                for subscription in subscriptions
                if _wants(subscription, event)
            ]
            if rows:
                Delivery.objects.bulk_create(rows, ignore_conflicts=True)
                created += len(rows)
            if events:
                FeedCursor.objects.filter(account_id=account_id).update(
                    txid=events[-1].txid, event_id=events[-1].id
                )
        if len(events) < FAN_OUT_BATCH:
            return created


def _wants(subscription: Subscription, event: Event) -> bool:
    return (
        event.occurred_at >= subscription.created_at
        and subscription.wants(event.event)
        and subscription_may_see(subscription, event.event, event.resource_type)
    )


# --- claiming and recording attempts ---------------------------------------------------


def deliveries_claim(*, now: dt.datetime, limit: int, lease: dt.timedelta) -> list[Delivery]:
    """Take up to `limit` due deliveries for this worker (SKIP LOCKED: workers never wait on
    each other) and reserve them for `lease` by moving `next_attempt_at`; a worker that
    dies mid-flight leaves them due again when the lease ends."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids).update(next_attempt_at=now + lease)
    return list(
        Delivery.objects.filter(id__in=ids)
        .select_related("subscription__application", "event")
        .order_by("id")
    )


@dataclass(frozen=True)
class Outcome:
    """What one POST of a delivery came to."""

    attempted_at: dt.datetime
    duration_ms: int
    status_code: int | None
    error: str
    response_body: str

    @property
    def success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff with jitter: 30 s × 2^(n-1), at most 6 h, times 0.5–1.5."""
    base = min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_RETRY)
    return base * random.uniform(0.5, 1.5)


def attempts_record(*, results: Sequence[tuple[Delivery, Outcome]], now: dt.datetime) -> None:
    """Log every attempt and move each delivery on: delivered, retried later, or given up.

    A 410 disables the subscription at once; a subscription whose attempts have all failed
    for RETRY_WINDOW is disabled with the reason."""
    # A subscription deleted while its deliveries were in flight took them along.
    alive = set(
        _of_accounts(results).filter(id__in=[d.pk for d, _ in results]).values_list("id", flat=True)
    )
    results = [(delivery, outcome) for delivery, outcome in results if delivery.pk in alive]
    if not results:
        return
    account_of = {delivery.subscription_id: delivery.account_id for delivery, _ in results}
    subscriptions = Subscription.objects.filter(account_id__in=sorted(set(account_of.values())))
    succeeded: set[int] = set()
    failed: set[int] = set()
    gone: dict[int, Outcome] = {}
    for delivery, outcome in results:
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error[:500]
        if outcome.success:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = outcome.attempted_at
            delivery.next_attempt_at = None
            succeeded.add(delivery.subscription_id)
            continue
        failed.add(delivery.subscription_id)
        if outcome.gone:
            gone[delivery.subscription_id] = outcome
        retry_at = now + retry_delay(delivery.attempts)
        if outcome.gone or retry_at > delivery.give_up_at:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = retry_at
    with transaction.atomic():
        Attempt.objects.bulk_create(
            Attempt(
                account_id=delivery.account_id,
                delivery_id=delivery.pk,
                attempted_at=outcome.attempted_at,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status_code,
                success=outcome.success,
                error=outcome.error[:500],
                response_body=outcome.response_body,
            )
            for delivery, outcome in results
        )
        _deliveries_save(results, now=now)
        if succeeded:
            subscriptions.filter(id__in=succeeded).update(failing_since=None, last_success_at=now)
        failing_only = failed - succeeded
        if failing_only:
            subscriptions.filter(id__in=failing_only, failing_since__isnull=True).update(
                failing_since=now
            )
        for subscription_id, outcome in gone.items():
            subscription_disable(
                account_id=account_of[subscription_id],
                subscription_id=subscription_id,
                reason=(
                    "the receiver answered 410 Gone at "
                    f"{outcome.attempted_at:%Y-%m-%d %H:%M:%S} UTC"
                ),
                now=now,
            )
        if failing_only:
            for subscription in subscriptions.filter(
                Q(failing_since__lte=now - RETRY_WINDOW), id__in=failing_only, active=True
            ).only("id", "account_id", "failing_since"):
                subscription_disable(
                    account_id=subscription.account_id,
                    subscription_id=subscription.pk,
                    reason=(
                        "every delivery failed for 3 days (since "
                        f"{subscription.failing_since:%Y-%m-%d %H:%M:%S} UTC); last error: "
                        + _describe(results, subscription.pk)
                    ),
                    now=now,
                )


def _deliveries_save(results: Sequence[tuple[Delivery, Outcome]], *, now: dt.datetime) -> None:
    """Write the deliveries' new state: one UPDATE per status code for the delivered ones
    (nearly all of them, in a healthy system), `bulk_update` for the rest (each has its
    own retry time). `bulk_update`'s CASE per row and field cost more than the POSTs."""
    delivered: dict[int, list[int]] = defaultdict(list)
    others: list[Delivery] = []
    for delivery, outcome in results:
        if outcome.success:
            delivered[outcome.status_code or 0].append(delivery.pk)
        else:
            others.append(delivery)
    deliveries = _of_accounts(results)
    for status_code, ids in delivered.items():
        deliveries.filter(id__in=ids).update(
            status=Delivery.Status.DELIVERED,
            attempts=F("attempts") + 1,
            delivered_at=now,
            next_attempt_at=None,
            last_status_code=status_code,
            last_error="",
        )
    if others:
        deliveries.bulk_update(
            others,
            ["status", "attempts", "next_attempt_at", "last_status_code", "last_error"],
        )


def _of_accounts(results: Sequence[tuple[Delivery, Outcome]]) -> QuerySet[Delivery]:
    """Deliveries of the accounts in `results`: with ids, a batch of one account's
    deliveries is then a single-shard statement (docs/scaling.md)."""
    return Delivery.objects.filter(account_id__in=sorted({d.account_id for d, _ in results}))


def _describe(results: Sequence[tuple[Delivery, Outcome]], subscription_id: int) -> str:
    for delivery, outcome in reversed(results):
        if delivery.subscription_id == subscription_id:
            return outcome.error or f"HTTP {outcome.status_code}"
    return "unknown"
