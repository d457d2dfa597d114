"""The pages a newcomer opens first: `/`, `/api/v3/`, `/api/docs`, and the first command."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from accounts.models import Account

pytestmark = pytest.mark.django_db


def test_the_landing_page_links_the_back_office_the_api_and_its_docs(client):
    page = client.get("/").content.decode()
    for link in ('href="/admin/"', 'href="/api/v3/"', 'href="/api/docs"'):
        assert link in page


@pytest.mark.parametrize("path", ["/api/v3/", "/api/v3"])
def test_the_api_root_is_a_json_index_of_its_resources(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    for name in ("auth", "bookings", "rentals", "clients", "bookings_fees", "events"):
        assert body["links"][name] == f"http://testserver/api/v3/{name}"
    assert "schema" not in body["links"]
    assert body["meta"]["docs"] == "http://testserver/api/docs"


def test_the_api_docs_render_without_internet(client):
    page = client.get("/api/docs").content.decode()
    assert "http://" not in page and "https://" not in page  # no CDN, no web fonts
    scripts = re.findall(r'<script src="/static/([^"]+)"', page)
    assert scripts, page
    for script in scripts:
        assert finders.find(script), f"{script} is not served by the project"


def test_the_back_office_names_the_product(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Bookings back office" in page
    assert "Django administration" not in page


def test_create_api_client_says_when_it_creates_a_new_account():
    Account.objects.create(name="Demo Rentals")
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_client", account="Demo Rentals", name="a", stdout=out, stderr=err)
    assert err.getvalue() == ""
    call_command("create_api_client", account="Sunny Stays", name="b", stdout=out, stderr=err)
    assert "Created the account 'Sunny Stays'" in err.getvalue()
    assert "'Demo Rentals'" in err.getvalue()
    assert json.loads(out.getvalue().splitlines()[-1])["client_id"]
