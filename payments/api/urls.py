from django.urls import re_path

from core.routers import OptionalSlashRouter
from payments.api import views

router = OptionalSlashRouter()
router.register("payments", views.PaymentViewSet, basename="payments")
router.register("bookings_payments", views.BookingsPaymentViewSet, basename="bookings_payments")

urlpatterns = [
    re_path(
        r"^bookings/(?P<booking_id>[0-9]+)/payments/?$",
        views.PaymentViewSet.as_view({"post": "create_on_booking"}),
        name="booking-payments",
    ),
    *router.urls,
]
