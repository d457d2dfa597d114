from django.urls import re_path

from bookings.api import views
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("bookings", views.BookingViewSet, basename="bookings")
router.register("bookings_fees", views.BookingFeeViewSet, basename="bookings_fees")
router.register("bookings_taxes", views.BookingTaxViewSet, basename="bookings_taxes")
router.register("booking_comments", views.BookingCommentViewSet, basename="booking_comments")
router.register("booking_series", views.BookingSeriesViewSet, basename="booking_series")
router.register("clients", views.ClientViewSet, basename="clients")

urlpatterns = [
    re_path(
        r"^rentals/(?P<rental_id>[0-9]+)/bookings/?$",
        views.BookingViewSet.as_view({"post": "create_on_rental"}),
        name="rental-bookings",
    ),
    *router.urls,
]
