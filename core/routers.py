"""The router of every resource: each path answers with and without a trailing slash."""

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        # DRF takes only a boolean here; a regex serves both spellings without a redirect.
        self.trailing_slash = "/?"
