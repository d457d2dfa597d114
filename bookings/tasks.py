"""Celery tasks of the bookings app: the periodic sweep that cancels expired tentative holds."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger

from bookings.services import tentative_bookings_expire
from core.dbclock import database_now

logger = get_task_logger(__name__)

# Both well under the Redis visibility timeout (3600 s, settings), so a sweep is never
# handed to a second worker while the first is still running it. A healthy sweep takes
# milliseconds per 1000-row batch; minutes means the database is in trouble.
SWEEP_SOFT_TIME_LIMIT = 240
SWEEP_TIME_LIMIT = 300


@shared_task(
    name="bookings.tasks.expire_tentative_bookings",
    soft_time_limit=SWEEP_SOFT_TIME_LIMIT,
    time_limit=SWEEP_TIME_LIMIT,
    max_retries=0,
    acks_late=False,
)
def expire_tentative_bookings() -> int:
    """Cancel every expired tentative hold; log and return how many were canceled.

    Why the options:
    1. No retries and early acknowledgement: a sweep that fails or dies is not redone;
       the next beat tick (every TENTATIVE_SWEEP_SECONDS) is the retry. Nothing piles up,
       and beat's `expires` option drops ticks that waited longer than one interval.
    2. Time limits under the visibility timeout: see SWEEP_SOFT_TIME_LIMIT above. Each
       batch commits on its own, so a sweep cut short keeps the batches already done.

    Why two at once is safe (two beats by mistake, a manual run, several workers): the
    service picks rows with `SELECT … FOR UPDATE SKIP LOCKED` and cancels them with an
    UPDATE that re-checks "still tentative and expired". A hold locked by one sweep is
    skipped by the other, and once committed it no longer matches; on SQLite, writes are
    serialised. Each hold is canceled exactly once, and the counts of concurrent sweeps
    add up to the number of holds. A duplicate sweep costs one cheap query.
    """
    try:
        # The database's clock, not this worker's (hosts' clocks drift apart).
        count = tentative_bookings_expire(now=database_now())
    except SoftTimeLimitExceeded:
        logger.warning(
            "tentative hold sweep stopped at its %s s soft time limit; "
            "committed batches stay canceled, the next run continues",
            SWEEP_SOFT_TIME_LIMIT,
        )
        raise
    logger.info("expired %d tentative holds", count)
    return count
