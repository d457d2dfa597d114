"""`manage.py load_demo_data`: the demo account, loaded once; its logins printed every run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Application, User
from accounts.services import manager_create
from bookings.inputs import booking_input_from_wire
from bookings.models import Client
from bookings.services import booking_cancel, booking_create
from core.scopes import ALL_SCOPES
from events.actors import Actor
from rentals.models import Rental, RentalsFee, Tax

DEMO_ACCOUNT = "Demo Rentals"
ADMIN = ("admin", "admin")
MANAGER = ("manager", "manager")
# Shown in clear on every run, so the demo application keeps its secret unhashed.
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret-not-for-production"  # noqa: S105


class Command(BaseCommand):
    help = "Load the demo account (idempotent) and print the logins and API credentials."

    def handle(self, *args, **options):
        if not Account.objects.filter(name=DEMO_ACCOUNT).exists():
            self._load()
            self.stdout.write("Demo data loaded.")
        else:
            self.stdout.write("Demo data already present.")
        self.stdout.write(
            "\n"
            f"  Admin (superuser):        http://127.0.0.1:8000/admin/  {ADMIN[0]} / {ADMIN[1]}\n"
            f"  Admin (property manager): http://127.0.0.1:8000/admin/  "
            f"{MANAGER[0]} / {MANAGER[1]}\n"
            f"  API client:  client_id={DEMO_CLIENT_ID}  client_secret={DEMO_CLIENT_SECRET}\n"
            "  Token:  curl -s -X POST http://127.0.0.1:8000/oauth/token "
            f"-d grant_type=client_credentials -d client_id={DEMO_CLIENT_ID} "
            f"-d client_secret={DEMO_CLIENT_SECRET}\n"
        )

    @transaction.atomic
    def _load(self) -> None:
        account = Account.objects.create(name=DEMO_ACCOUNT)
        if not User.objects.filter(username=ADMIN[0]).exists():
            User.objects.create_superuser(ADMIN[0], "admin@example.com", ADMIN[1])
        manager_create(account=account, username=MANAGER[0], password=MANAGER[1])
        Application.objects.create(
            account=account,
            name="Demo channel manager",
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            hash_client_secret=False,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="http://127.0.0.1:8000/oauth/demo-callback",
            scopes=" ".join(ALL_SCOPES),
        )
        seaside = Rental.objects.create(
            account=account,
            name="Seaside Flat",
            headline="Two rooms facing the sea",
            city="Biarritz",
            country_code="FR",
            timezone="Europe/Paris",
            currency="EUR",
            sleeps=4,
            sleeps_max=5,
        )
        chalet = Rental.objects.create(
            account=account,
            name="Mountain Chalet",
            headline="Ski-in, ski-out",
            city="Chamonix",
            country_code="FR",
            timezone="Europe/Paris",
            currency="EUR",
            sleeps=8,
            sleeps_max=10,
        )
        loft = Rental.objects.create(
            account=account,
            name="City Loft",
            city="Lisbon",
            country_code="PT",
            timezone="Europe/Lisbon",
            currency="EUR",
            sleeps=2,
        )
        cleaning = RentalsFee.objects.create(
            account=account, rental=seaside, name="Cleaning", price=Decimal("60"), required=True
        )
        Tax.objects.create(account=account, name="Tourist tax", percentage=Decimal("5"))
        ada = Client.objects.create(
            account=account,
            fullname="Ada Lovelace",
            firstname="Ada",
            lastname="Lovelace",
            emails=["ada@example.com"],
            phones=["+44 20 7946 0000"],
            preferred_locale="en",
        )
        alan = Client.objects.create(
            account=account, fullname="Alan Turing", emails=["alan@example.com"]
        )
        grace = Client.objects.create(
            account=account, fullname="Grace Hopper", emails=["grace@example.com"]
        )

        today = timezone.localdate()

        def day(offset: int) -> dt.date:
            return today + dt.timedelta(days=offset)

        _demo_booking(
            rental=seaside,
            data={
                "booked": True,
                "start_at": day(7),
                "end_at": day(14),
                "client_id": ada.pk,
                "adults": 2,
                "children": 1,
                "initial_price": "1400",
                "discount": "10%",
                "bookings_fees": [{"rentals_fee_id": cleaning.pk, "times_booked": 1}],
                "comments": [{"content": "Arrives by train, late check-in."}],
            },
        )
        _demo_booking(
            rental=seaside,
            data={
                "booked": True,
                "start_at": day(-20),
                "end_at": day(-13),
                "client_id": alan.pk,
                "adults": 2,
                "initial_price": "980",
            },
        )
        _demo_booking(
            rental=seaside,
            data={
                "tentative_expires_at": timezone.now() + dt.timedelta(days=2),
                "start_at": day(20),
                "end_at": day(24),
                "client_id": grace.pk,
                "initial_price": "640",
            },
        )
        _demo_booking(
            rental=chalet,
            data={
                "unavailable": True,
                "start_at": day(3),
                "end_at": day(10),
                "notes": "Roof repairs",
            },
        )
        _demo_booking(
            rental=chalet,
            data={
                "booked": True,
                "start_at": day(12),
                "end_at": day(19),
                "client_id": alan.pk,
                "adults": 6,
                "initial_price": "3200",
                "final_price": "3300",
                "damage_deposit": "500",
            },
        )
        canceled = _demo_booking(
            rental=loft,
            data={
                "booked": True,
                "start_at": day(5),
                "end_at": day(8),
                "client_id": grace.pk,
                "initial_price": "360",
            },
        )
        booking_cancel(
            booking=canceled,
            reason="requested_by_guest",
            message_to_guest="Sorry to see you go.",
            actor=DEMO,
        )
        # A hold that lapsed an hour ago: reads show it canceled until the sweep runs.
        _demo_booking(
            rental=loft,
            data={
                "tentative_expires_at": timezone.now() + dt.timedelta(seconds=1),
                "start_at": day(10),
                "end_at": day(12),
                "client_id": ada.pk,
            },
            now=timezone.now() - dt.timedelta(hours=1),
        )
        # Today's desk (appended so the ids above stay those docs/api.md uses): a guest
        # leaves the loft today and the next one arrives the same day (a changeover on
        # the planning board), and a hold on the chalet lapses within 24 hours.
        _demo_booking(
            rental=loft,
            data={
                "booked": True,
                "start_at": day(-3),
                "end_at": day(0),
                "client_id": alan.pk,
                "adults": 1,
                "initial_price": "330",
            },
        )
        _demo_booking(
            rental=loft,
            data={
                "booked": True,
                "start_at": day(0),
                "end_at": day(4),
                "client_id": grace.pk,
                "adults": 2,
                "initial_price": "480",
                "source": "Airbnb",
            },
        )
        _demo_booking(
            rental=chalet,
            data={
                "tentative_expires_at": timezone.now() + dt.timedelta(hours=20),
                "start_at": day(26),
                "end_at": day(30),
                "client_id": ada.pk,
                "initial_price": "2800",
            },
        )
        # Preparation time (DESIGN §9; appended, as above): the cabin needs three hours
        # of cleaning after every stay, so a guest leaving at 10:00 frees it at 13:00
        # and an arrival on that day is at 15:00.
        studio = Rental.objects.create(
            account=account,
            name="Dune Cabin",
            city="Lège-Cap-Ferret",
            country_code="FR",
            timezone="Europe/Paris",
            currency="EUR",
            sleeps=2,
            checkin_time=dt.time(15, 0),
            buffer_after=180,
        )
        _demo_booking(
            rental=studio,
            data={
                "booked": True,
                "start_at": day(2),
                "end_at": day(6),
                "client_id": ada.pk,
                "adults": 2,
                "initial_price": "400",
            },
        )
        _demo_booking(
            rental=studio,
            data={
                "booked": True,
                "start_at": day(6),
                "end_at": day(9),
                "client_id": alan.pk,
                "adults": 1,
                "initial_price": "300",
            },
        )


DEMO = Actor.system("demo_data")


def _demo_booking(*, rental, data, **kwargs):
    """A demo booking written as an integration would: wire values, the one parser."""
    booking_input = booking_input_from_wire(data, creating=True, nested=True)
    return booking_create(rental=rental, booking_input=booking_input, actor=DEMO, **kwargs)
