"""Django settings. The environment is read here and only here (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_redis_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
REDIS_URL = env_redis_url("REDIS_URL")
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 5000, minimum=1)
TENTATIVE_SWEEP_SECONDS = env_int("TENTATIVE_SWEEP_SECONDS", 60, minimum=1)
EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 90, minimum=1)
ICAL_SYNC_MINUTES = env_int("ICAL_SYNC_MINUTES", 30, minimum=1)
# core/safehttp.py: outgoing requests to user-entered URLs may reach private addresses.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", False)
WEBHOOKS_SWEEP_SECONDS = env_int("WEBHOOKS_SWEEP_SECONDS", 10, minimum=1)
WEBHOOKS_CONCURRENCY = env_int("WEBHOOKS_CONCURRENCY", 16, minimum=1)
WEBHOOKS_LEASE_SECONDS = env_int("WEBHOOKS_LEASE_SECONDS", 120, minimum=5)

# --- Request limits and client addresses (DESIGN §15) -----------------------------------
# A body over this many bytes is a 413 (Django refuses to read it; core/exceptions.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 2_621_440, minimum=1024)
# Proxies in front of the web processes that append the client's address to
# X-Forwarded-For; 0 (direct) means REMOTE_ADDR is the client (core/clientip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# /oauth/token requests per client id and per address in one minute (accounts/views.py).
OAUTH_TOKEN_RATE_LIMIT = env_int("OAUTH_TOKEN_RATE_LIMIT", 30, minimum=1)
# Failed sign-ins (admin, OAuth login page) before that user name, and separately that
# address, is locked out for LOGIN_LOCKOUT_MINUTES (django-axes).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# --- HTTPS (production; `manage.py check --deploy` passes with README's values) ----------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
# The health check answers plain HTTP probes from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "oauth2_provider",
    "drf_spectacular",
    "axes",
    "drf_spectacular_sidecar",
    "accounts",
    "events",
    "rentals",
    "bookings",
    "slots",
    "overbooked",
    "idempotency",
    "webhooks",
    "officernd",
    "calendars",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while the user name or address is locked out.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
# Counted per user name and, separately, per address: many guesses at one user from many
# addresses are stopped, and so are guesses at many users from one address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/oauth/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- OAuth2 (django-oauth-toolkit) -------------------------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "accounts.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "public": "See future bookings' dates and status",
        "bookings_read": "Read all bookings",
        "bookings_write": "Create, change and cancel bookings",
        "bookings_write_owned": "Create bookings and change the ones this application created",
        "rentals_read": "Read rentals",
        "rentals_write": "Create and change rentals",
        "clients_read": "Read clients",
        "clients_write": "Create and change clients",
        "webhooks_read": "See webhook subscriptions",
        "webhooks_write": "Create, change and delete webhook subscriptions",
        "payments_read": "Read payments",
        "payments_write": "Record, change and cancel payments",
    },
    "DEFAULT_SCOPES": ["public"],
    "SCOPES_BACKEND_CLASS": "core.scopes.ApplicationScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 7200,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 60 * 60 * 24 * 90,
    "PKCE_REQUIRED": True,
    # oauthlib's server without the password and implicit grants (accounts/oauth_server.py).
    "OAUTH2_SERVER_CLASS": "accounts.oauth_server.Server",
    # RFC 9700 (OAuth 2.0 Security BCP), enforced rather than warned about:
    # no password grant (it let any client test any user's password), no implicit grant,
    # PKCE S256 only, no access token in a query string, `iss` in authorization
    # responses, tokens stored only as SHA-256 checksums (the token column stays blank).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # A replayed refresh token revokes its whole family.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    # http:// redirect URIs (local development) only with DEBUG on.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEBUG else ["https"],
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "core.parsers.JSONAPIParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.JSONRenderer",
        "core.renderers.JSONAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Bookings API v3",
    "DESCRIPTION": "Wire-compatible with the Bookings part of the BookingSync (Smily) API v3.",
    "VERSION": "3",
    "SERVE_INCLUDE_SCHEMA": False,
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v3",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.strip_trailing_slashes",
    ],
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": ["Booked", "Tentative", "Unavailable", "Canceled"],
        "TaxableTypeEnum": ["Rental", "BookingsFee"],
    },
}

# --- Celery (config/celery.py reads these) ----------------------------------------------
# Without REDIS_URL, kombu's filesystem transport (folders under var/celery, which `make run`
# creates) carries `celery worker -B` on one machine with no server to run.
# "localhost" only silences kombu's "no hostname" warning; the transport has no server.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    # A message a worker took but did not acknowledge goes back to the queue after this
    # long; task time limits (bookings/tasks.py) stay well under it.
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
# One message at a time per worker process: a queued sweep is not held back behind a
# running one in the same process while another process is idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "expire-tentative-bookings": {
        "task": "bookings.tasks.expire_tentative_bookings",
        "schedule": float(TENTATIVE_SWEEP_SECONDS),
        # A sweep that waited longer than one interval is superseded by the next one.
        "options": {"expires": float(TENTATIVE_SWEEP_SECONDS)},
    },
    "sync-calendar-feeds": {
        "task": "calendars.tasks.sync_calendar_feeds",
        "schedule": ICAL_SYNC_MINUTES * 60.0,
        "options": {"expires": ICAL_SYNC_MINUTES * 60.0},
    },
    "purge-old-events": {
        "task": "events.tasks.purge_old_events",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600.0},
    },
    "deliver-webhooks": {
        "task": "webhooks.tasks.deliver_webhooks",
        "schedule": float(WEBHOOKS_SWEEP_SECONDS),
        "options": {"expires": float(WEBHOOKS_SWEEP_SECONDS)},
    },
    "purge-expired-idempotency-keys": {
        "task": "idempotency.tasks.purge_expired_keys",
        "schedule": 3600.0,
        "options": {"expires": 600.0},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lock-outs are WARNING.
        "axes": {"level": "WARNING"},
    },
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
