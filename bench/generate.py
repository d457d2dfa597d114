"""Fill the bench database with realistic bookings, fast: `python -m bench.generate`.

    python -m bench.generate --bookings 1000000 --rentals 10000 [--accounts 20]

Everything is generated inside PostgreSQL by a few large INSERT … SELECT statements in
one transaction, so no row crosses the wire:

1. wipe the domain tables (the database name must contain "bench");
2. accounts, rentals spread over them (mixed time zones and check-in times), one
   cleaning fee per rental, one tourist tax per account, clients (one per 4 bookings);
3. bookings: per rental a sequence of 1–14 night stays separated by random gaps, laid
   over five years centred on today, so no two stays of a rental ever overlap (the
   exclusion constraint is rebuilt, hence re-checked, at the end); ids follow
   `created_at`, as in a live system; statuses about 78% booked, 7% unavailable, 10%
   canceled, 5% tentative (live holds on future stays, expired ones elsewhere);
4. fees on a fifth of the priced bookings, taxes on a tenth, comments on a twentieth;
   final prices computed from them as the service would;
5. secondary indexes and the exclusion constraint are dropped before the load and
   rebuilt after it (the standard bulk-load order; rebuilding validates the constraint),
   foreign keys are verified by anti-joins instead of per-row triggers, identity
   sequences are moved past the explicit ids, and everything is VACUUMed and ANALYZEd.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time

from bench.common import log, setup_django

TIMEZONES = [
    "Europe/Paris",
    "Europe/London",
    "Europe/Lisbon",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
]
SPAN_DAYS = 5 * 365
LOADED_TABLES = [
    "bookings_booking",
    "bookings_bookingfee",
    "bookings_bookingtax",
    "bookings_bookingcomment",
    "bookings_client",
    "rentals_rental",
    "rentals_rentalsfee",
    "rentals_tax",
]


def _sql_list(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


ACCOUNTS_SQL = """
INSERT INTO accounts_account (id, name, slug, created_at, updated_at)
SELECT i, 'Bench Agency ' || lpad(i::text, 3, '0'), 'bench-agency-' || lpad(i::text, 3, '0'),
       %(now)s - interval '6 years', %(now)s
FROM generate_series(1, %(accounts)s) AS i
"""

RENTALS_SQL = f"""
INSERT INTO rentals_rental (
    id, account_id, name, headline, summary, address1, address2, zip, city, state,
    country_code, sleeps, sleeps_max, bedrooms_count, bathrooms_count, timezone,
    checkin_time, checkout_time, currency, balance_due_days, created_at, updated_at)
SELECT i, 1 + (i - 1) %% %(accounts)s,
       (ARRAY['Seaside', 'Old Town', 'Garden', 'Harbour', 'Hill'])[1 + i %% 5]
           || ' ' || (ARRAY['Flat', 'Villa', 'Studio', 'Loft'])[1 + i %% 4] || ' ' || i,
       'A lovely place to stay', '', i || ' Rue des Benchmarks', '',
       lpad((i %% 99999)::text, 5, '0'),
       (ARRAY['Paris', 'London', 'Lisbon', 'New York', 'Los Angeles', 'Tokyo', 'Sydney',
              'Reykjavik'])[1 + i %% 8], '',
       (ARRAY['FR', 'GB', 'PT', 'US', 'US', 'JP', 'AU', 'IS'])[1 + i %% 8],
       2 + i %% 6, 4 + i %% 6, 1 + i %% 4, 1 + i %% 2,
       ({_sql_list(TIMEZONES)})[1 + i %% 8],
       (ARRAY['15:00', '16:00', '17:00'])[1 + i %% 3]::time,
       (ARRAY['10:00', '11:00'])[1 + i %% 2]::time,
       (ARRAY['EUR', 'GBP', 'EUR', 'USD', 'USD', 'JPY', 'AUD', 'EUR'])[1 + i %% 8],
       30, %(now)s - interval '6 years', %(now)s - interval '1 day' * (i %% 365)
FROM generate_series(1, %(rentals)s) AS i
"""

RENTALS_FEES_SQL = """
INSERT INTO rentals_rentalsfee (id, account_id, rental_id, name, price, required,
                                included_in_price, created_at, updated_at)
SELECT id, account_id, id, 'Cleaning', 40 + id %% 60, true, false, created_at, created_at
FROM rentals_rental
"""

TAXES_SQL = """
INSERT INTO rentals_tax (id, account_id, name, percentage, included_in_price,
                         created_at, updated_at)
SELECT id, id, 'Tourist tax', 5, false, created_at, created_at FROM accounts_account
"""

CLIENTS_SQL = """
INSERT INTO bookings_client (id, account_id, fullname, firstname, lastname, emails, phones,
                             notes, preferred_locale, created_at, updated_at)
SELECT i, 1 + (i - 1) / %(per_account)s, f || ' ' || l || ' ' || i, f, l,
       jsonb_build_array('guest' || i || '@example.com'),
       jsonb_build_array('+33 6 ' || lpad((i %% 100000000)::text, 8, '0')),
       '', (ARRAY['en', 'fr', 'de', 'es'])[1 + i %% 4],
       %(now)s - interval '1 hour' * (i %% 40000), %(now)s - interval '1 hour' * (i %% 40000)
FROM generate_series(1, %(clients)s) AS i,
     LATERAL (SELECT (ARRAY['Ada', 'Grace', 'Alan', 'Linus', 'Hedy', 'Edsger', 'Barbara',
                            'Donald', 'Margaret', 'Ken'])[1 + i %% 10] AS f,
                     (ARRAY['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Lamarr', 'Dijkstra',
                            'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Ritchie'])[1 + i %% 11]
                         AS l) AS names
"""

# Stays per rental: the start of stay n is the first day plus every earlier stay's
# nights and gaps plus its own gap, so stays never overlap; check-in (15–17h local) of
# a stay is after the check-out (10–11h local) of the previous one on the same day.
BOOKINGS_SQL = """
INSERT INTO bookings_booking (
    id, account_id, rental_id, client_id, application_id, locked, status, start_at, end_at,
    tentative_expires_at, booked_at, adults, children, currency, initial_price, discount,
    final_price, final_price_is_manual, channel_price, commission, downpayment,
    final_payback_to_owner, rental_payback_to_owner, paid_amount, bookings_payments_count,
    reconciliation, damage_deposit, charge_damage_deposit_on_arrival,
    damage_deposit_collection_method, damage_deposit_external_collection_method_name,
    expected_checkin_time, expected_checkout_time, door_key_code, notes, external_reference,
    source, imported, canceled_at, cancelation_reason, cancelation_message_to_guest,
    cancelation_message_to_channel, created_at, updated_at)
WITH r AS (
    SELECT id, account_id, timezone, checkin_time, checkout_time, currency,
           row_number() OVER (ORDER BY id) - 1 AS idx
    FROM rentals_rental
), s AS (
    SELECT r.id AS rental_id, r.account_id, r.timezone, r.checkin_time, r.checkout_time,
           r.currency, g.n, 1 + floor(random() * 14)::int AS nights,
           floor(random() * (%(max_gap)s + 1))::int AS gap, random() AS u, random() AS v,
           random() AS w
    FROM r CROSS JOIN LATERAL generate_series(1, %(per_rental)s + (r.idx < %(extra)s)::int) AS g(n)
), d AS (
    SELECT s.*, %(first_day)s::date
               + (sum(nights + gap) OVER (PARTITION BY rental_id ORDER BY n) - nights)::int
               AS start_day
    FROM s
), t AS (
    SELECT d.*,
           (start_day + checkin_time) AT TIME ZONE timezone AS start_at,
           (start_day + nights + checkout_time) AT TIME ZONE timezone AS end_at,
           CASE WHEN u < 0.78 THEN 'booked' WHEN u < 0.85 THEN 'unavailable'
                WHEN u < 0.95 THEN 'canceled' ELSE 'tentative' END AS status
    FROM d
), c AS (
    SELECT t.*,
           least(%(now)s - interval '1 minute' * (60 + floor(random() * 525600)),
                 start_at - interval '1 day' * (1 + floor(v * 180))) AS created_at
    FROM t
), x AS (
    SELECT row_number() OVER (ORDER BY created_at, rental_id, n) AS id, c.*,
           CASE WHEN status = 'unavailable' THEN NULL
                ELSE nights * (50 + rental_id %% 200) END AS price
    FROM c
)
SELECT id, account_id, rental_id,
       CASE WHEN status = 'unavailable' THEN NULL
            ELSE (account_id - 1) * %(clients_per_account)s + 1
                 + floor(w * %(clients_per_account)s)::int END,
       NULL, false, status, start_at, end_at,
       CASE WHEN status <> 'tentative' THEN NULL
            WHEN start_at > %(now)s AND w < 0.6
                THEN %(now)s + interval '1 hour' * (1 + floor(w * 160))
            ELSE least(created_at + interval '2 days',
                       %(now)s - interval '1 minute' * (1 + floor(w * 20000))) END,
       CASE WHEN status = 'booked' THEN created_at END,
       CASE WHEN status = 'unavailable' THEN NULL ELSE 1 + floor(w * 4)::int END,
       CASE WHEN status = 'unavailable' THEN NULL ELSE floor(v * 3)::int END,
       currency, price, '',
       price + CASE WHEN id %% 5 = 0 THEN 40 + rental_id %% 60 ELSE 0 END
             + CASE WHEN id %% 10 = 3 THEN round(price * 0.05, 2) ELSE 0 END,
       false, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL,
       CASE WHEN status = 'unavailable' THEN 0 ELSE 200 END, true, '', '', '', '', '',
       CASE WHEN status = 'unavailable' THEN 'Owner stay' ELSE '' END,
       CASE WHEN u < 0.3 THEN 'HM' || id ELSE '' END,
       CASE WHEN status = 'unavailable' THEN ''
            ELSE (ARRAY['', 'Airbnb', 'Booking.com', 'Vrbo', 'Direct'])[1 + floor(v * 5)::int]
            END,
       false,
       CASE WHEN status = 'canceled'
            THEN created_at + (least(%(now)s, start_at) - created_at) * w END,
       CASE WHEN status = 'canceled'
            THEN (ARRAY['requested_by_guest', 'requested_by_owner', 'payment_failed',
                        'other'])[1 + floor(w * 4)::int] ELSE '' END,
       '', '', created_at,
       CASE WHEN status = 'canceled'
            THEN created_at + (least(%(now)s, start_at) - created_at) * w
            ELSE created_at + (%(now)s - created_at) * (w * w * 0.5) END
FROM x
ORDER BY id
"""

FEES_SQL = """
INSERT INTO bookings_bookingfee (id, account_id, booking_id, rentals_fee_id, name, price,
                                 times_booked, required, included_in_price, created_at,
                                 updated_at)
SELECT row_number() OVER (ORDER BY id), account_id, id, rental_id, 'Cleaning',
       40 + rental_id %% 60, 1, true, false, created_at, created_at
FROM bookings_booking WHERE id %% 5 = 0 AND status <> 'unavailable'
"""

TAXES_ON_BOOKINGS_SQL = """
INSERT INTO bookings_bookingtax (id, account_id, booking_id, tax_id, taxable_type, name,
                                 percentage, amount, included_in_price, created_at,
                                 updated_at)
SELECT row_number() OVER (ORDER BY id), account_id, id, account_id, 'Rental', 'Tourist tax',
       5, round(initial_price * 0.05, 2), false, created_at, created_at
FROM bookings_booking WHERE id %% 10 = 3 AND status <> 'unavailable'
"""

COMMENTS_SQL = """
INSERT INTO bookings_bookingcomment (id, account_id, booking_id, content, author,
                                     created_at, updated_at)
SELECT row_number() OVER (ORDER BY id), account_id, id,
       (ARRAY['Late arrival, around 22:00', 'Travelling with a dog',
              'Needs a baby cot'])[1 + id %% 3], 'bench', created_at, created_at
FROM bookings_booking WHERE id %% 20 = 7
"""

# Child → parent pairs whose integrity the skipped FK triggers would have checked.
FOREIGN_KEYS = [
    ("rentals_rental", "account_id", "accounts_account"),
    ("rentals_rentalsfee", "rental_id", "rentals_rental"),
    ("rentals_tax", "account_id", "accounts_account"),
    ("bookings_client", "account_id", "accounts_account"),
    ("bookings_booking", "rental_id", "rentals_rental"),
    ("bookings_booking", "account_id", "accounts_account"),
    ("bookings_booking", "client_id", "bookings_client"),
    ("bookings_bookingfee", "booking_id", "bookings_booking"),
    ("bookings_bookingfee", "rentals_fee_id", "rentals_rentalsfee"),
    ("bookings_bookingtax", "booking_id", "bookings_booking"),
    ("bookings_bookingtax", "tax_id", "rentals_tax"),
    ("bookings_bookingcomment", "booking_id", "bookings_booking"),
]


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(DROP, CREATE) statements for every index and exclusion constraint except the pkey."""
    cursor.execute(
        """
        SELECT c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'x'
        """,
        [table],
    )
    statements = [
        (
            f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
        )
        for name, definition in cursor.fetchall()
    ]
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint
                                   WHERE conrelid = %s::regclass)
        """,
        [table, table],
    )
    statements += [(f"DROP INDEX {name}", definition) for name, definition in cursor.fetchall()]
    return statements


def generate(*, bookings: int, rentals: int, accounts: int, now: dt.datetime) -> dict:
    from django.db import connection, transaction

    per_rental, extra = divmod(bookings, rentals)
    stays = max(1, math.ceil(bookings / rentals))
    # Mean stay is 7.5 nights; gaps fill the rest of five years (mean gap = max_gap / 2).
    max_gap = max(0, round(2 * (SPAN_DAYS / stays - 7.5)))
    clients_per_account = max(1, bookings // 4 // accounts)
    params = {
        "now": now,
        "accounts": accounts,
        "rentals": rentals,
        "per_rental": per_rental,
        "extra": extra,
        "max_gap": max_gap,
        "first_day": (now - dt.timedelta(days=SPAN_DAYS // 2)).date(),
        "clients": clients_per_account * accounts,
        "per_account": clients_per_account,
        "clients_per_account": clients_per_account,
    }
    timings: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        start = time.perf_counter()
        cursor.execute(sql, params)
        timings[name] = round(time.perf_counter() - start, 2)
        log(f"  {name}: {cursor.rowcount} rows in {timings[name]}s")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # FK triggers fire once per row; integrity is verified in bulk below instead.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE accounts_account RESTART IDENTITY CASCADE")
        indexes = {t: _secondary_indexes(cursor, t) for t in LOADED_TABLES}
        for statements in indexes.values():
            for drop, _create in statements:
                cursor.execute(drop)
        step("accounts", ACCOUNTS_SQL)
        step("rentals", RENTALS_SQL)
        step("rentals_fees", RENTALS_FEES_SQL)
        step("taxes", TAXES_SQL)
        step("clients", CLIENTS_SQL)
        step("bookings", BOOKINGS_SQL)
        step("booking_fees", FEES_SQL)
        step("booking_taxes", TAXES_ON_BOOKINGS_SQL)
        step("booking_comments", COMMENTS_SQL)
        start = time.perf_counter()
        for statements in indexes.values():
            for _drop, create in statements:
                cursor.execute(create)
        timings["indexes"] = round(time.perf_counter() - start, 2)
        log(f"  indexes and the exclusion constraint rebuilt in {timings['indexes']}s")
        start = time.perf_counter()
        for child, column, parent in FOREIGN_KEYS:
            cursor.execute(
                f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {parent} p WHERE p.id = c.{column})"
            )
            dangling = cursor.fetchone()[0]
            if dangling:
                raise RuntimeError(f"{dangling} rows of {child}.{column} point nowhere")
        timings["foreign_key_check"] = round(time.perf_counter() - start, 2)
        for table in ["accounts_account", *LOADED_TABLES]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM too, as autovacuum would have by now: index-only scans need the
        # visibility map, and a freshly loaded table has none.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT status, count(*), count(*) FILTER (WHERE tentative_expires_at <= %s) "
            "FROM bookings_booking GROUP BY status ORDER BY status",
            [now],
        )
        statuses = {row[0]: {"count": row[1], "expired": row[2]} for row in cursor.fetchall()}
    timings["vacuum_analyze"] = round(time.perf_counter() - start, 2)
    return {
        "params": {k: str(v) for k, v in params.items()},
        "timings": timings,
        "statuses": statuses,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=50_000)
    parser.add_argument("--rentals", type=int, default=500)
    parser.add_argument("--accounts", type=int, default=20)
    args = parser.parse_args(argv)
    if args.rentals < args.accounts or args.bookings < args.rentals:
        parser.error("need at least one rental per account and one booking per rental")
    setup_django()
    from django.utils import timezone

    log(f"generating {args.bookings} bookings on {args.rentals} rentals, {args.accounts} accounts")
    start = time.perf_counter()
    report = generate(
        bookings=args.bookings,
        rentals=args.rentals,
        accounts=args.accounts,
        now=timezone.now().replace(microsecond=0),
    )
    report["seconds"] = round(time.perf_counter() - start, 2)
    log(f"done in {report['seconds']}s: {report['statuses']}")
    return report


if __name__ == "__main__":
    main()
