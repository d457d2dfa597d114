"""The base of every resource viewset: envelope rendering, pagination, comma-list ids,
scope checks, and one `now` per request so every read of a request agrees."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import status as http
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core import envelope as env
from core.authentication import ApiClient
from core.errors import NotFound
from core.exceptions import ScopeRequired
from core.pagination import paginate
from core.views import ApiViewMixin

SAFE_ACTIONS = frozenset({"list", "retrieve"})
MAX_ID = 2**63 - 1


def parse_ids(value: str) -> list[int]:
    """`"1,2,3"` -> [1, 2, 3]; the URL pattern already allows only digits and commas.

    An id past the largest the database holds cannot exist, so it is dropped here rather
    than overflowing the query."""
    ids = (int(part) for part in str(value).split(",") if part)
    return [number for number in ids if number <= MAX_ID]


class ResourceViewSet(ApiViewMixin, viewsets.GenericViewSet, abc.ABC):
    """Subclasses set `resource_key` ("rentals"), `queryset` (`Model.objects.none()`, for
    the schema), `relations` (link templates), `read_scopes` / `write_scopes` (any one
    suffices; empty = every token) and `scoped_queryset()`, scoped to the caller's account."""

    resource_key: str = ""
    relations: dict[str, str] = {}
    read_scopes: tuple[str, ...] = ()
    write_scopes: tuple[str, ...] = ()
    lookup_value_regex = r"[0-9]+"
    pagination_class = None  # paginate() below does it, with the envelope's headers

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.now = timezone.now()
        super().initial(request, *args, **kwargs)  # authentication, then the rate limit
        scopes = self.read_scopes if self.action in SAFE_ACTIONS else self.write_scopes
        if scopes:
            self.require_scope(*scopes)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return cast(QuerySet, self.queryset)
        return self.scoped_queryset()

    @abc.abstractmethod
    def scoped_queryset(self) -> QuerySet:
        """This resource's objects in the caller's account (`self.client.account_id`)."""

    @property
    def client(self) -> ApiClient:
        # BearerTokenAuthentication, the only authentication class, makes the user this.
        return cast(ApiClient, self.request.user)

    def require_scope(self, *scopes: str) -> None:
        if not self.client.has_scope(*scopes):
            raise ScopeRequired(*scopes)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": getattr(self, "now", None)}

    # --- reading -------------------------------------------------------------------------

    def get_one(self, pk: Any, queryset: QuerySet | None = None) -> Any:
        """One object of the caller's account by id, else 404 (also for another account's)."""
        ids = parse_ids(pk)
        queryset = self.get_queryset() if queryset is None else queryset
        obj = queryset.filter(pk=ids[0]).first() if len(ids) == 1 and "," not in str(pk) else None
        if obj is None:
            raise NotFound({"id": ["not found"]})
        return obj

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = paginate(request, queryset)
        return self.render(page.items, meta={**page.meta, **self.list_meta()}, headers=page.headers)

    def list_meta(self) -> dict[str, Any]:
        return {}

    def retrieve(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        """One id or a comma list; the ids found in the account, 404 when none is."""
        ids = parse_ids(pk)
        objects = list(self.get_queryset().filter(pk__in=ids))
        if not objects:
            raise NotFound({"id": ["not found"]})
        order = {value: index for index, value in enumerate(ids)}
        objects.sort(key=lambda obj: order[obj.pk])
        return self.render(objects)

    # --- writing -------------------------------------------------------------------------

    def unwrap(self, *, key: str = "", optional: bool = False) -> dict[str, Any]:
        return env.unwrap_one(self.request, key or self.resource_key, optional=optional)

    # --- rendering -----------------------------------------------------------------------

    def render(
        self,
        objects: Sequence[Any],
        *,
        status: int = http.HTTP_200_OK,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        records = self.get_serializer(objects, many=True).data
        body = env.envelope(
            self.resource_key,
            list(records),
            links=env.link_templates(self.request, self.resource_key, self.relations),
            meta=meta,
        )
        return Response(body, status=status, headers=headers)

    def render_created(self, obj: Any, location_name: str) -> Response:
        location = self.request.build_absolute_uri(f"/api/v3/{location_name}/{obj.pk}")
        return self.render([obj], status=http.HTTP_201_CREATED, headers={"Location": location})
