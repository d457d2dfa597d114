"""The OAuth2 server django-oauth-toolkit runs (OAUTH2_SERVER_CLASS): oauthlib's, with only
the grants this API offers (DESIGN §4, §15).

oauthlib's all-in-one server also answers the password grant, and checks the user's
password *before* it asks whether the client may use that grant: with any client's
credentials a caller could tell a right password (`unauthorized_client`) from a wrong one
(`invalid_grant`). Removing the grant makes it `unsupported_grant_type` before anything
is checked. The implicit grant (`response_type=token`) and the device flow go too.
"""

from __future__ import annotations

from oauthlib.oauth2 import Server as OAuthLibServer

REMOVED_GRANT_TYPES = ("password", "urn:ietf:params:oauth:grant-type:device_code")
REMOVED_RESPONSE_TYPES = ("token",)


class Server(OAuthLibServer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for grant_type in REMOVED_GRANT_TYPES:
            self._grant_types.pop(grant_type, None)
        for response_type in REMOVED_RESPONSE_TYPES:
            self._response_types.pop(response_type, None)
