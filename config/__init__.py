"""Project configuration: settings, URLs, WSGI/ASGI entry points and the Celery app."""

# Loaded with Django so that `shared_task` tasks bind to this app in every process
# (web, worker, beat, management commands).
from config.celery import app as celery_app

__all__ = ["celery_app"]
