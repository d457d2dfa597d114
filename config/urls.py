"""Top-level routes. Every API path answers with or without a trailing slash."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from calendars.views import ical_feed
from config import views

api_v3: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("bookings.api.urls")),
    path("", include("rentals.api.urls")),
    path("", include("events.api.urls")),
    path("", include("calendars.api.urls")),
    path("", include("payments.api.urls")),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    # Anything else under /api/ is a JSON 404, also with DEBUG on, for any method
    # (CSRF-exempt like every API view: API clients carry tokens, not cookies).
    re_path(r"^.*$", csrf_exempt(views.api_not_found)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oauth/", include("accounts.urls", namespace="oauth2_provider")),
    path("api/v3/", include(api_v3)),
    path("api/overbooked/v1/", include("overbooked.api.urls")),
    re_path(r"^api/docs/?$", SpectacularRedocView.as_view(url_name="schema"), name="api-docs"),
    re_path(r"^api/.*$", csrf_exempt(views.api_not_found)),
    re_path(r"^ical/(?P<token>[0-9a-z-]{1,80})\.ics$", ical_feed, name="ical-feed"),
    re_path(r"^healthz/?$", views.healthz, name="healthz"),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
