"""Deleting a tenant's row so that a database sharded by account routes every statement
(docs/scaling.md): the rows that point at it table by table, by account and parent, then
the row itself by account and id. Django's own cascade looks dependants up by the parent's
id alone, which a sharded database cannot route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, models, transaction


def account_row_delete(
    model: type[models.Model],
    *,
    account_id: int,
    pk: int,
    kept: Callable[[type[models.Model]], Exception] | None = None,
) -> None:
    """Delete row `pk` of `account_id` and every row of a CASCADE relation that points at
    it. A row of a PROTECT relation keeps it: `kept(that model)` is raised (by default
    Django's ProtectedError) and nothing is deleted. Dependants go in reverse
    declaration order (a booking's taxes before the fees they may point at); call it with
    the row locked."""
    relations: list[Any] = [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]
    doomed = []
    for relation in relations:
        related = relation.related_model
        rows = related._default_manager.filter(**{relation.field.attname: pk})
        if any(field.name == "account" for field in related._meta.concrete_fields):
            rows = rows.filter(account_id=account_id)
        if relation.on_delete is models.PROTECT:
            if rows.exists():
                if kept is None:
                    name = related._meta.verbose_name_plural
                    raise models.ProtectedError(f"{model.__name__} has {name}", set())
                raise kept(related)
        else:
            doomed.append(rows)
    with transaction.atomic():
        for rows in reversed(doomed):
            rows.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE account_id = %s AND id = %s",  # noqa: S608
                [account_id, pk],
            )
