from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from overbooked.api import views

ID = r"(?P<{}>[^/]+)"

urlpatterns = [
    re_path(r"^resources/?$", views.ResourceListView.as_view()),
    re_path(rf"^resources/{ID.format('resource_id')}/?$", views.ResourceDetailView.as_view()),
    re_path(
        rf"^resources/{ID.format('resource_id')}/publish/?$", views.ResourcePublishView.as_view()
    ),
    re_path(
        rf"^resources/{ID.format('resource_id')}/convert-draft/?$",
        views.ResourceConvertDraftView.as_view(),
    ),
    re_path(r"^slots/?$", views.SlotListView.as_view()),
    re_path(rf"^slots/{ID.format('slot_id')}/?$", views.SlotDetailView.as_view()),
    re_path(rf"^slots/{ID.format('slot_id')}/enable/?$", views.SlotEnableView.as_view()),
    re_path(rf"^slots/{ID.format('slot_id')}/disable/?$", views.SlotDisableView.as_view()),
    re_path(rf"^slots/{ID.format('slot_id')}/lock/?$", views.SlotLockView.as_view()),
    re_path(rf"^slots/{ID.format('slot_id')}/unlock/?$", views.SlotUnlockView.as_view()),
    re_path(r"^bookings/?$", views.BookingListView.as_view()),
    re_path(rf"^bookings/{ID.format('booking_id')}/?$", views.BookingDetailView.as_view()),
    re_path(rf"^bookings/{ID.format('booking_id')}/cancel/?$", views.BookingCancelView.as_view()),
    re_path(rf"^bookings/{ID.format('booking_id')}/enable/?$", views.BookingEnableView.as_view()),
    re_path(
        rf"^bookings/{ID.format('booking_id')}/reschedule/?$",
        views.BookingRescheduleView.as_view(),
    ),
    # Anything else is Overbooked's "Route not found", in its envelope.
    re_path(r"^.*$", csrf_exempt(views.route_not_found)),
]
