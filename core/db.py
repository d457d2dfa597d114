"""The database as backstop: a constraint violation the services' own checks should have
prevented becomes the domain error those checks raise, never a 500 (STYLE, Concurrency).

`constraint_backstop("slot_no_overlap", error=SlotOverlap)` wraps a write (outside its
`transaction.atomic()`, so the failed transaction is rolled back first):
1. an IntegrityError raised by one of the named constraints -> `error()`;
2. a deadlock PostgreSQL detected while checking an exclusion constraint (two writers
   waiting on each other's new row: "while checking exclusion constraint on tuple …")
   -> `error()`, when `deadlock=True` (the default). PostgreSQL names the table there,
   not the constraint, so only pass `deadlock=True` for constraints that are the only
   exclusion constraint of their table;
3. anything else is raised unchanged: it is a bug to see.
The domain error is raised `from` Django's exception, which keeps the driver's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError

DEADLOCK_SQLSTATE = "40P01"


def constraint_name(exc: BaseException) -> str | None:
    """The violated constraint's name as the driver reports it (psycopg's `diag`), when it
    does (PostgreSQL); None otherwise (SQLite names it only in the message)."""
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def violates(exc: IntegrityError, names: Iterable[str]) -> bool:
    """Whether one of the `names` constraints raised `exc`."""
    names = set(names)
    reported = constraint_name(exc)
    if reported is not None:
        return reported in names
    message = str(exc)
    return any(re.search(rf"\b{re.escape(name)}\b", message) for name in names)


def exclusion_deadlock(exc: OperationalError) -> bool:
    """A deadlock met while checking an exclusion constraint (PostgreSQL's CONTEXT line)."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    message = str(exc).lower()
    is_deadlock = sqlstate == DEADLOCK_SQLSTATE or "deadlock detected" in message
    return is_deadlock and "exclusion constraint" in message


@contextmanager
def constraint_backstop(
    constraints: str | Iterable[str],
    *,
    error: Callable[[], BaseException],
    deadlock: bool = True,
) -> Iterator[None]:
    """Turn a violation of `constraints` (or a deadlock checking one) into `error()`."""
    names = {constraints} if isinstance(constraints, str) else set(constraints)
    try:
        yield
    except IntegrityError as exc:
        if violates(exc, names):
            raise error() from exc
        raise
    except OperationalError as exc:
        if deadlock and exclusion_deadlock(exc):
            raise error() from exc
        raise
