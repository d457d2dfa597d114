"""Fixtures for the webhook tests: a real HTTP receiver on 127.0.0.1, subscriptions, events."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from accounts.models import Account, Application
from events.actors import Actor
from events.models import Event
from events.services import event_record
from webhooks import services
from webhooks.models import Subscription


@pytest.fixture(autouse=True)
def _webhooks_to_localhost(settings):
    """The receiver runs on 127.0.0.1 over http: allowed, as in development."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    cache.clear()  # rate-limit counters of reused application ids


class Receiver:
    """A real HTTP server; `answers` is a queue of statuses (the last one repeats)."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.answers: list[int] = [200]
        self.headers: dict[int, dict[str, str]] = {}
        self.requests: list[tuple[dict[str, str], bytes]] = []
        server.expect_request("/hook").respond_with_handler(self._handle)

    def _handle(self, request: WerkzeugRequest) -> WerkzeugResponse:
        self.requests.append((dict(request.headers), request.get_data()))
        status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return WerkzeugResponse("ok", status=status, headers=self.headers.get(status, {}))

    @property
    def url(self) -> str:
        return self.server.url_for("/hook")

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield Receiver(server)
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def make_subscription(db) -> Callable[..., Subscription]:
    def make(
        account: Account,
        url: str,
        *,
        events: list[str] | None = None,
        application: Application | None = None,
    ) -> Subscription:
        return services.subscription_create(
            account=account,
            url=url,
            events=["booking_updated"] if events is None else events,
            application=application,
        )

    return make


@pytest.fixture
def record_event(db) -> Callable[..., Event]:
    """An event row as a service writes it (events/services.py), now."""

    def record(
        account: Account,
        resource_id: int,
        *,
        event: str = "booking_updated",
        resource_type: str = "booking",
        occurred_at: dt.datetime | None = None,
    ) -> Event:
        event_record(
            account_id=account.pk,
            event=event,
            resource_type=resource_type,
            resource_id=resource_id,
            actor=Actor.system("test"),
            occurred_at=occurred_at or timezone.now(),
            changes={"notes": ["", "late arrival"]},
        )
        return Event.objects.filter(account=account).order_by("-id").first()  # type: ignore[return-value]

    return record
