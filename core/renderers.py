"""Response media types: JSON by default, application/vnd.api+json when the client asks."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    media_type = "application/json"
    charset = "utf-8"


class JSONAPIRenderer(renderers.JSONRenderer):
    media_type = "application/vnd.api+json"
    charset = "utf-8"
