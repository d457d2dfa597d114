"""OAuth2 endpoints under /oauth/, each with or without a trailing slash."""

from django.contrib.auth import views as auth_views
from django.urls import re_path
from oauth2_provider import views as oauth_views

from accounts.views import (
    AccountAuthorizationView,
    OwnApplicationIntrospectTokenView,
    ThrottledTokenView,
)

app_name = "oauth2_provider"

urlpatterns = [
    re_path(r"^authorize/?$", AccountAuthorizationView.as_view(), name="authorize"),
    re_path(r"^token/?$", ThrottledTokenView.as_view(), name="token"),
    re_path(r"^revoke_token/?$", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(r"^introspect/?$", OwnApplicationIntrospectTokenView.as_view(), name="introspect"),
    re_path(
        r"^login/?$",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    re_path(r"^logout/?$", auth_views.LogoutView.as_view(), name="logout"),
]
