"""Threat: a `public` token learning about bookings it may never see. It reads only
future, live bookings, so `meta.deleted_ids` of an `updated_since` sync must hold only
ids of bookings that were still to come when they were canceled."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import iso


def test_a_public_token_gets_only_deleted_ids_it_could_have_seen(
    api, make_api, account, rental, make_booking, now
):
    since = now - dt.timedelta(days=30)
    future = make_booking(rental, start_days=5)
    past = make_booking(rental, start_days=-20, nights=2)
    for booking in (future, past):
        assert api.delete(f"/api/v3/bookings/{booking.pk}").status_code == 204
    public = make_api(account, "public")
    full = api.get("/api/v3/bookings", {"updated_since": iso(since)}).json()["meta"]
    limited = public.get("/api/v3/bookings", {"updated_since": iso(since)}).json()["meta"]
    assert sorted(full["deleted_ids"]) == sorted([future.pk, past.pk])
    assert limited["deleted_ids"] == [future.pk]
