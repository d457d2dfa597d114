from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from overbooked.api import views

urlpatterns = [
    # Anything else is Overbooked's "Route not found", in its envelope.
    re_path(r"^.*$", csrf_exempt(views.route_not_found)),
]
