"""gunicorn settings for the web process: `gunicorn config.wsgi -c deploy/gunicorn.conf.py`.

What gunicorn itself rejects is answered by gunicorn in plain text/HTML, not in the API's
JSON envelope, so its limits sit above anything a legitimate client sends and Django
(which answers in the envelope) does the bounding: bodies over MAX_REQUEST_BODY_BYTES are
a 413, more than 1000 query or form fields a 400 (Django's DATA_UPLOAD_MAX_NUMBER_FIELDS).
README "Operations" documents each value.
"""

import logging
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers (docs/performance.md, "WSGI server"): a request waiting on the rental
# lock or the database no longer holds a whole process. Measured side by side on two
# cores, 2 workers x 2 threads served 1.4-2.4x the creates under contention of 4 sync
# workers and the same reads; granian did as well as gthread, not better.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "2"))
# A request slower than this is killed (and logged); the API answers in milliseconds.
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
accesslog = "-"

# The request line (method, path and query string): gunicorn's largest value. A URL with
# a hundred comma-separated ids is ~1 KB; longer lines get gunicorn's 414.
limit_request_line = 8190
# Header count and size per header: the defaults (100 headers, 8190 bytes each) already
# exceed what a browser or API client sends; written out so they are a decision.
limit_request_fields = 100
limit_request_field_size = 8190


def on_starting(server):
    """Say at start-up what the embedded mode (no REDIS_URL) means for several workers."""
    if not os.environ.get("REDIS_URL", "").strip() and server.cfg.workers > 1:
        logging.getLogger("gunicorn.error").warning(
            "REDIS_URL is empty: each of the %d workers counts the API rate limit on its "
            "own (an in-process cache), so clients get up to %d times API_RATE_LIMIT. "
            "Set REDIS_URL, or run one worker (--workers 1) in the embedded mode.",
            server.cfg.workers,
            server.cfg.workers,
        )
