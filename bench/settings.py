"""Bench-only settings: the product's settings plus the baseline views' URLconf.

Everything else (database, Redis, rate limit) still comes from the environment, which
bench/run.py sets; the product's own urls are untouched.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
