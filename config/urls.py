"""Top-level routes. Every API path answers with or without a trailing slash."""

from functools import partial

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularRedocView

from calendars.views import ical_feed
from config import views
from core.schema_view import CachedSchemaView

api_v3: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("rentals.api.urls")),
    path("", include("events.api.urls")),
    path("", include("calendars.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("webhooks.api.urls")),
    re_path(r"^schema/?$", CachedSchemaView.as_view(), name="schema"),
    # Anything else under /api/ is a JSON 404, also with DEBUG on, for any method
    # (CSRF-exempt like every API view: API clients carry tokens, not cookies).
    re_path(r"^.*$", csrf_exempt(views.api_not_found)),
]
# The index lists the routes above (it reads them, so it cannot drift from them).
api_index = partial(views.api_index, patterns=api_v3[:-1])
api_v3.insert(0, re_path(r"^$", api_index, name="api-index"))

admin.site.site_header = "Bookings back office"
admin.site.site_title = "Bookings back office"
admin.site.index_title = "Today"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oauth/", include("accounts.urls", namespace="oauth2_provider")),
    re_path(r"^api/v3$", api_index),
    path("api/v3/", include(api_v3)),
    path("api/overbooked/v1/", include("overbooked.api.urls")),
    path("api/officernd/v2/", include("officernd.api.urls")),
    # Redoc from drf-spectacular-sidecar's pinned copy, fonts from the system: the docs
    # render without internet access.
    re_path(
        r"^api/docs/?$",
        SpectacularRedocView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    re_path(r"^api/.*$", csrf_exempt(views.api_not_found)),
    re_path(r"^ical/(?P<token>[0-9a-z-]{1,80})\.ics$", ical_feed, name="ical-feed"),
    re_path(r"^healthz/?$", views.healthz, name="healthz"),
    path("", views.landing, name="landing"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
