"""The requests and service calls the benchmarks measure, run in-process on the bench data.

Each scenario is a name and a function of a `Run` (the Django test clients and the data's
landmarks); plans.py explains the SQL they issue, admin.py times them. API requests go
through the real middleware, authentication and serializers; only the network is absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.fixtures import ADMIN_USERNAME, MANAGER_USERNAME, token_for


def keep_connection_across_requests() -> None:
    """The test client closes the connection after each request, as a server would; the
    plans run inside a transaction that must survive requests, so stop that (as Django's
    own TestCase does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@dataclass
class Run:
    account_id: int
    rental_id: int
    free_start: dt.datetime
    busy_start: dt.datetime
    reference: str
    client_name: str
    client_email: str
    now: dt.datetime
    logged_in: dict = field(default_factory=dict)

    @classmethod
    def on_bench_data(cls) -> Run:
        """Landmarks picked from the data: the manager's account, one of its rentals, a
        booked stay on it and a free week after its last stay."""
        from django.db.models import Max
        from django.utils import timezone

        from bookings.models import Booking, Client
        from rentals.models import Rental

        now = timezone.now()
        from accounts.models import User

        account_id = User.objects.get(username=MANAGER_USERNAME).account_id
        rental = Rental.objects.filter(account_id=account_id).order_by("id")[7]
        booked = (
            Booking.objects.filter(rental=rental, status="booked", start_at__gt=now)
            .order_by("start_at")
            .first()
        )
        last_end = Booking.objects.filter(rental=rental).aggregate(last=Max("end_at"))["last"]
        client = Client.objects.filter(account_id=account_id).order_by("id")[5]
        return cls(
            account_id=account_id,
            rental_id=rental.pk,
            free_start=last_end + dt.timedelta(days=30),
            busy_start=booked.start_at,
            reference=booked.reference,
            client_name=client.fullname,
            client_email=client.emails[0],
            now=now,
        )

    def api(self, path: str, **params: str):
        from django.test import Client

        query = f"?{urlencode(params)}" if params else ""
        response = Client().get(
            f"/api/v3/{path}{query}", HTTP_AUTHORIZATION=f"Bearer {token_for(self.account_id)}"
        )
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}{query}: {response.status_code} {response.content!r}")
        return response

    def log_in(self, *usernames: str) -> None:
        """Log in once, outside any transaction the plans roll back (the session row
        must survive), and so that creating sessions is not timed with the pages."""
        from django.test import Client

        from accounts.models import User

        for username in usernames:
            client = self.logged_in[username] = Client()
            client.force_login(User.objects.get(username=username))

    def admin(self, username: str, path: str = "", **params: str):
        if username not in self.logged_in:
            self.log_in(username)
        client = self.logged_in[username]
        query = f"?{urlencode(params)}" if params else ""
        response = client.get(f"/admin/bookings/booking/{path}{query}")
        if response.status_code != 200:
            raise RuntimeError(f"admin {path}{query}: {response.status_code}")
        return response


def _window(run: Run) -> dict[str, str]:
    start = run.busy_start - dt.timedelta(days=30)
    return {
        "from": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "until": (start + dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def api_default_list(run: Run):
    return run.api("bookings")


def api_rental_search(run: Run):
    return run.api("bookings", rental_id=str(run.rental_id), **_window(run))


def api_updated_since(run: Run):
    since = run.now - dt.timedelta(days=1)
    return run.api("bookings", updated_since=since.strftime("%Y-%m-%dT%H:%M:%SZ"))


def api_reference(run: Run):
    return run.api("bookings", reference=run.reference)


def service_overlap_check(run: Run):
    """booking_create on a free period and on a taken one (rolled back by the caller)."""
    from bookings.errors import BookingOverlap
    from bookings.inputs import BookingInput
    from bookings.services import booking_create
    from rentals.models import Rental

    rental = Rental.objects.get(pk=run.rental_id)
    end = run.free_start + dt.timedelta(days=3)
    booking_create(
        rental=rental,
        booking_input=BookingInput(status="booked", start_at=run.free_start, end_at=end),
    )
    try:
        booking_create(
            rental=rental,
            booking_input=BookingInput(
                status="booked",
                start_at=run.busy_start,
                end_at=run.busy_start + dt.timedelta(days=1),
            ),
        )
    except BookingOverlap:
        pass
    else:
        raise RuntimeError("a booking over a booked stay was accepted")


def sweep_select(run: Run):
    """One sweep (rolled back by the caller): the SELECT … FOR UPDATE and the UPDATE."""
    from bookings.services import tentative_bookings_expire

    tentative_bookings_expire(now=run.now, batch_size=1000)


def admin_changelist(run: Run, username: str = ADMIN_USERNAME):
    return run.admin(username)


def admin_filtered(run: Run, username: str = ADMIN_USERNAME):
    return run.admin(username, status="tentative")


def admin_search(run: Run, username: str = ADMIN_USERNAME):
    return run.admin(username, q=run.client_name)


def admin_reference_search(run: Run, username: str = ADMIN_USERNAME):
    return run.admin(username, q=run.reference)


def admin_email_search(run: Run, username: str = ADMIN_USERNAME):
    return run.admin(username, q=run.client_email)


API_SCENARIOS: dict[str, Callable[[Run], object]] = {
    "api_default_list": api_default_list,
    "api_rental_search": api_rental_search,
    "api_updated_since": api_updated_since,
    "api_reference": api_reference,
}
SERVICE_SCENARIOS: dict[str, Callable[[Run], object]] = {
    "service_overlap_check": service_overlap_check,
    "sweep_select": sweep_select,
}
ADMIN_SCENARIOS: dict[str, Callable[..., object]] = {
    "admin_changelist": admin_changelist,
    "admin_filtered": admin_filtered,
    "admin_search": admin_search,
    "admin_reference_search": admin_reference_search,
    "admin_email_search": admin_email_search,
}
ADMIN_USERS = {"superuser": ADMIN_USERNAME, "manager": MANAGER_USERNAME}
