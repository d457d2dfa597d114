"""The rental form shows and saves the preparation time (DESIGN §9 buffers)."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_rental_form_shows_and_saves_the_buffers(manager_client, rental):
    url = reverse("admin:rentals_rental_change", args=[rental.pk])
    page = manager_client.get(url)
    form = page.context["adminform"].form
    assert {"buffer_before", "buffer_after"} <= set(form.fields)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(form[name].field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for prefix in ("fees",):
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(buffer_before="30", buffer_after="240")
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rental.refresh_from_db()
    assert (rental.buffer_before, rental.buffer_after) == (30, 240)
    data["buffer_after"] = "10081"
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "buffer_after" in response.context["adminform"].form.errors
    rental.refresh_from_db()
    assert rental.buffer_after == 240
