from django.urls import re_path

from accounts.api.views import AuthView

urlpatterns = [
    re_path(r"^auth/?$", AuthView.as_view(), name="api-auth"),
]
