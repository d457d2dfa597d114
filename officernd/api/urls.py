"""Routes under /api/officernd/v2/organizations/{account_slug}/ (each with or without a
trailing slash); anything else is a JSON 404 in OfficeRnD's error shape."""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from officernd.api import views

ORGANIZATION = r"^organizations/(?P<account_slug>[-a-zA-Z0-9_]{1,250})/"

urlpatterns = [
    re_path(
        ORGANIZATION + r"bookings/occurrences/?$",
        views.OccurrencesView.as_view(),
        name="officernd-occurrences",
    ),
    re_path(
        ORGANIZATION + r"bookings/(?P<booking_id>[0-9]+)/?$",
        views.BookingView.as_view(),
        name="officernd-booking",
    ),
    re_path(ORGANIZATION + r"bookings/?$", views.BookingsView.as_view(), name="officernd-bookings"),
    # [\s\S], not ".": a path may hold an encoded newline, and it is still this API's 404.
    re_path(r"^[\s\S]*$", csrf_exempt(views.route_not_found)),
]
