"""Bench-only routes: the baseline view first, then every route of the product."""

from django.urls import include, path

from bench import baseline

urlpatterns = [
    path("bench/baseline/bookings", baseline.bookings),
    path("", include("config.urls")),
]
