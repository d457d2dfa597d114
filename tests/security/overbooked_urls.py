"""A test URLconf: the real routes plus one Overbooked view that echoes its body, so the
plumbing (parser, error envelope) is exercised without depending on any resource."""

from django.urls import include, path

from overbooked.api.base import OverbookedView, ok


class EchoView(OverbookedView):
    def post(self, request):
        return ok(self.body())


urlpatterns = [
    path("api/overbooked/v1/echo", EchoView.as_view()),
    path("", include("config.urls")),
]
