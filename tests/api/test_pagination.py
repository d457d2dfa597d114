"""Pagination: page/per_page, Link and X-Total-* headers, meta, and a constant query count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking

LINK = re.compile(r'^<([^>]+)>; rel="(first|prev|next|last)"$')


def parse_link(header: str) -> dict[str, str]:
    links = {}
    for part in header.split(", "):
        match = LINK.match(part)
        assert match, f"malformed Link part {part!r}"
        links[match.group(2)] = match.group(1)
    return links


@pytest.fixture
def many(rental, now, account):
    """150 bookings, written in bulk (the service path is tested elsewhere)."""
    start = now + dt.timedelta(days=1)
    Booking.objects.bulk_create(
        Booking(
            account=account,
            rental=rental,
            status=Booking.Status.BOOKED,
            start_at=start + dt.timedelta(days=2 * i),
            end_at=start + dt.timedelta(days=2 * i + 1),
            initial_price=100,
            final_price=100,
        )
        for i in range(150)
    )
    return list(Booking.objects.order_by("start_at", "id").values_list("id", flat=True))


def test_walking_link_next_returns_each_booking_exactly_once(api, many):
    seen: list[int] = []
    url = "http://testserver/api/v3/bookings?per_page=40&rental_id=" + str(
        Booking.objects.get(pk=many[0]).rental_id
    )
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        seen += [record["id"] for record in response.json()["bookings"]]
        links = parse_link(response["Link"])
        assert "rental_id=" in links["first"] and "per_page=40" in links["last"]
        url = links.get("next")
        pages += 1
    assert pages == 4
    assert seen == many


def test_pagination_headers_and_meta_agree(api, many):
    response = api.get("/api/v3/bookings", {"per_page": 50, "page": 2})
    assert response["X-Total-Count"] == "150"
    assert response["X-Total-Pages"] == "3"
    assert response["X-Per-Page"] == "50"
    links = parse_link(response["Link"])
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=3" in links["next"] and "page=1" in links["prev"]
    meta = response.json()["meta"]
    assert meta["X-Total-Count"] == "150" and meta["X-Total-Pages"] == "3"
    assert meta["Link"] == links
    assert len(response.json()["bookings"]) == 50


def test_link_header_is_spelled_exactly_as_the_ruby_client_parses_it(api, many):
    header = api.get("/api/v3/bookings", {"per_page": 100})["Link"]
    assert header == (
        '<http://testserver/api/v3/bookings?page=1&per_page=100>; rel="first", '
        '<http://testserver/api/v3/bookings?page=2&per_page=100>; rel="next", '
        '<http://testserver/api/v3/bookings?page=2&per_page=100>; rel="last"'
    )


def test_per_page_defaults_to_100_and_is_capped_at_100(api, many):
    assert len(api.get("/api/v3/bookings").json()["bookings"]) == 100
    response = api.get("/api/v3/bookings", {"per_page": 1000})
    assert len(response.json()["bookings"]) == 100
    assert response["X-Per-Page"] == "100"


def test_a_page_past_the_last_is_empty(api, many):
    response = api.get("/api/v3/bookings", {"page": 9})
    assert response.status_code == 200
    assert response.json()["bookings"] == []


def test_list_query_count_does_not_grow_with_page_size(api, rental, make_booking, now, guest):
    """Every record carries fees, taxes and comments: prefetched, not one query each."""
    for index in range(12):
        make_booking(
            rental,
            start_days=1 + 3 * index,
            client_id=guest.pk,
            bookings_fees=[{"name": "Cleaning", "price": "10"}],
            bookings_taxes=[{"name": "Tax", "amount": "1"}],
            comments=[{"content": "c"}],
        )
    counts = {}
    for per_page in (5, 12):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v3/bookings", {"per_page": per_page})
        assert len(response.json()["bookings"]) == per_page
        counts[per_page] = len(queries)
    assert counts[5] == counts[12]


def test_list_query_count_is_equal_at_per_page_10_and_100(api, many, django_assert_num_queries):
    with CaptureQueriesContext(connection) as baseline:
        api.get("/api/v3/bookings", {"per_page": 10})
    expected = len(baseline)
    with django_assert_num_queries(expected):
        response = api.get("/api/v3/bookings", {"per_page": 10})
    assert len(response.json()["bookings"]) == 10
    with django_assert_num_queries(expected):
        response = api.get("/api/v3/bookings", {"per_page": 100})
    assert len(response.json()["bookings"]) == 100
    # auth token, count, page, the page's linked ids in one statement (plus a savepoint
    # pair at most); was 8 with one prefetch per relation
    assert expected <= 6


def test_the_default_list_filters_on_indexed_columns(api, many):
    """The default search is account + end_at (+ status), ordered by start_at, id."""
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v3/bookings")
    page_query = next(
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "bookings_booking"."id"') and "LIMIT" in q["sql"]
    )
    assert '"bookings_booking"."account_id" =' in page_query
    assert '"bookings_booking"."end_at" >' in page_query
    assert 'ORDER BY "bookings_booking"."start_at" ASC, "bookings_booking"."id" ASC' in page_query


def test_other_lists_paginate_too(api, account, make_rental):
    for index in range(3):
        make_rental(account, name=f"Flat {index}")
    response = api.get("/api/v3/rentals", {"per_page": 2})
    assert len(response.json()["rentals"]) == 2
    assert response["X-Total-Count"] == "3"
    assert "next" in parse_link(response["Link"])
