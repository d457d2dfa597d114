"""The OAuth2 consent page, limited to users of the application's own account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from oauth2_provider.views import AuthorizationView

from accounts.models import Application


class AccountAuthorizationView(AuthorizationView):
    """A token always acts for its application's account, so only a user of that
    account may grant it: anyone else would hand out access to data that is not theirs.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client_id = request.POST.get("client_id") or request.GET.get("client_id")
        if request.user.is_authenticated and client_id:
            application = Application.objects.filter(client_id=client_id).first()
            if application is not None and application.account_id != getattr(
                request.user, "account_id", None
            ):
                return render(
                    request,
                    self.template_name,
                    {
                        "error": {
                            "error": "access_denied",
                            "description": "This application belongs to another account.",
                        }
                    },
                    status=403,
                )
        return super().dispatch(request, *args, **kwargs)
