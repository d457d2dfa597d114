"""The sign-in lock-out backend: django-axes', minus its refusal of calls without a request.

Every sign-in form (the admin's, the OAuth login page) passes the request, so axes counts
and locks them. A call without one (Django's test client `login()`, a shell) is not a
guess from the network; axes would raise, here it is left to the next backend.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
