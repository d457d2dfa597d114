from django.urls import re_path

from events.api.views import EventFeedView

urlpatterns = [
    re_path(r"^events/?$", EventFeedView.as_view(), name="api-events"),
]
