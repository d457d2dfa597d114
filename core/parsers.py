"""Request media types: application/json and application/vnd.api+json, parsed the same way."""

from rest_framework import parsers


class JSONParser(parsers.JSONParser):
    media_type = "application/json"


class JSONAPIParser(parsers.JSONParser):
    media_type = "application/vnd.api+json"
