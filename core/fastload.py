"""Rows read in bulk (a 100-record API page, a webhook batch) built without Model.__init__.

`Model.__init__` sets each of a row's columns through its descriptor and sends
`pre_init`/`post_init`; for a booking (about 60 columns) that was the largest single cost
of turning a page's rows into instances. A row read with every column, for a model no
receiver listens to at init, needs none of it: its values go straight into the
instance's `__dict__`, which is where the field descriptors read them from. Anything
else (deferred columns, a receiver connected) takes Django's own path.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class FastLoadModel(models.Model):
    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        fields = cls._meta.concrete_fields
        if (
            len(values) != len(fields)
            or pre_init.has_listeners(cls)
            or post_init.has_listeners(cls)
        ):
            return super().from_db(db, field_names, values)
        instance = cls.__new__(cls)
        instance.__dict__.update(zip(_attnames(cls), values, strict=True))
        state = instance._state = ModelState()
        state.adding = False
        state.db = db
        return instance


def _attnames(model: type[models.Model]) -> tuple[str, ...]:
    """The attribute names of a model's columns in the order a full row holds them."""
    names = model.__dict__.get("_fastload_attnames")
    if names is None:
        names = tuple(field.attname for field in model._meta.concrete_fields)
        model._fastload_attnames = names  # type: ignore[attr-defined]
    return names
