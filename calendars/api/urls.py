from django.urls import re_path

from calendars.api import views
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("availabilities", views.AvailabilityViewSet, basename="availabilities")
router.register("change_overs", views.ChangeOverViewSet, basename="change_overs")
router.register("calendar_feeds", views.CalendarFeedViewSet, basename="calendar_feeds")

urlpatterns = [
    re_path(
        r"^rentals/(?P<rental_id>[0-9]+)/calendar_feeds/?$",
        views.CalendarFeedViewSet.as_view({"get": "rental_feeds", "post": "rental_feeds"}),
        name="rental-calendar-feeds",
    ),
    *router.urls,
]
