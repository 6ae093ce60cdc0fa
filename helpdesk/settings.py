"""Settings, all from environment variables (see the table in README.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from .env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
HELPDESK_DOMAIN = env_str("HELPDESK_DOMAIN", "localhost").lower()
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    [HELPDESK_DOMAIN, f".{HELPDESK_DOMAIN}", "127.0.0.1", "testserver", ".testserver"],
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TESTING = env_bool("HELPDESK_TESTING", False)

# Production refuses to start with settings that are only safe on a laptop.
if not DEBUG and not TESTING and (SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfiguredEnv(
        "SECRET_KEY must be set to a random value of 32+ characters when DEBUG is off."
    )

INSTALLED_APPS = [
    "helpdesk.apps.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "anymail",
    "axes",
    "tenants",
    "sla",
    "tickets",
    "escalation",
    "kb",
    "notifications.outbound",
    "notifications.inbound",
    "satisfaction",
    "demo",
    "ops",
]

MIDDLEWARE = [
    # First: a path or query string with NUL/control characters or broken encoding is a 400
    # before any view, the API or the admin can put it in a query (tenants/input_guard.py).
    "tenants.input_guard.InputGuardMiddleware",
    # A body larger than the site's forms and API take is a 413 (the webhooks excepted).
    "tenants.input_guard.BodySizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so pages answered by the middlewares below (an unknown host's 404) carry it too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.MembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
                "tenants.context_processors.tenant",
                "notifications.outbound.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A persistent connection is checked before a request reuses it: after a PostgreSQL
        # restart the next request reconnects instead of answering 500.
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfiguredEnv("DATABASE_URL must point at PostgreSQL: it is the only database.")

AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Brute-force protection (README "Security"): repeated failures lock out the pair (email,
# client address), never the email alone, so nobody can lock another person out from their
# own address. The client address is tenants.client_ip.client_ip: X-Forwarded-For is believed
# only through TRUSTED_PROXY_COUNT proxies of ours; without that setting, behind a proxy every
# client would share the proxy's address (and one attacker could lock out any account).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "tenants.client_ip.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A queue bulk action posts one field per selected ticket (at most tickets.services.BULK_MAX,
# 1,000): Django's default of 1,000 fields would refuse the largest selection with a bare 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_100

# Attachments
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Per request, per ticket and per tenant: one request can no longer fill the disk.
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 10)
ATTACHMENT_MAX_REQUEST_BYTES = env_int("ATTACHMENT_MAX_REQUEST_BYTES", 25 * 1024 * 1024)
ATTACHMENT_MAX_TICKET_BYTES = env_int("ATTACHMENT_MAX_TICKET_BYTES", 100 * 1024 * 1024)
ATTACHMENT_TENANT_QUOTA_BYTES = env_int("ATTACHMENT_TENANT_QUOTA_BYTES", 10 * 1024**3)
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    [
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
        "text/csv", "application/zip", "application/json", "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "message/rfc822",
    ],
)

# Email through django-anymail: ANYMAIL_ESP picks the provider (mailgun, postmark, ...);
# every other ANYMAIL_* variable becomes a key of the ANYMAIL dict.
ANYMAIL_ESP = env_str("ANYMAIL_ESP", "")
if ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in __import__("os").environ.items()
    if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"support@{HELPDESK_DOMAIN}")
# Notification transports: name -> module (notifications/outbound/transports/).
NOTIFICATION_TRANSPORTS = {
    "in_app": "notifications.outbound.transports.in_app",
    "email": "notifications.outbound.transports.email",
}
# Members are emailed (as well as notified in-app) only for these notification kinds
# (prefixes): the escalation ladder's notices (breach warnings included), maintenance and
# policy-change notices to clients, satisfaction requests. Bare addresses always are.
NOTIFICATION_EMAIL_MEMBER_KINDS = tuple(
    k
    for k in env_str(
        "NOTIFICATION_EMAIL_MEMBER_KINDS",
        "escalation_,maintenance_,policy_change_,satisfaction_",
    ).split(",")
    if k
)
# Inbound webhooks (anymail): basic auth shared by every ESP; several secrets, comma-separated,
# let an old one keep working while the ESP is switched to the new one (rotation).
if "WEBHOOK_SECRET" in ANYMAIL:
    ANYMAIL["WEBHOOK_SECRET"] = [s for s in ANYMAIL["WEBHOOK_SECRET"].split(",") if s]
# Inbound email: reply+<token>@ and <slug>@ addresses live on this domain.
INBOUND_DOMAIN = env_str("INBOUND_DOMAIN", f"inbound.{HELPDESK_DOMAIN}").lower()
INBOUND_MAX_BYTES = env_int("INBOUND_MAX_BYTES", 25 * 1024 * 1024)
# ESPs post the raw message as a form field: let a message over INBOUND_MAX_BYTES still arrive,
# so it is kept, marked oversize and its sender told (Django's default refuses 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * INBOUND_MAX_BYTES)
# ... for the webhooks only: every other body is held to this (plus room for a multipart
# form's attachments) by tenants.input_guard.BodySizeMiddleware.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 2_621_440)
INBOUND_WEBHOOK_MAX_AGE_SECONDS = env_int("INBOUND_WEBHOOK_MAX_AGE_SECONDS", 15 * 60)
INBOUND_SENDER_MAX_PER_HOUR = env_int("INBOUND_SENDER_MAX_PER_HOUR", 30)
INBOUND_ACK_MAX_PER_RECIPIENT_HOUR = env_int("INBOUND_ACK_MAX_PER_RECIPIENT_HOUR", 5)
INBOUND_ACK_MAX_PER_TENANT_HOUR = env_int("INBOUND_ACK_MAX_PER_TENANT_HOUR", 300)

# Celery: Redis in tests and production; `make run` points it at a filesystem broker.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env_str("CELERY_FILESYSTEM_BROKER_DIR", str(BASE_DIR / ".run" / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Short timeouts: a frozen Redis must fail a publish in seconds, not hang the request.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": env_int("REDIS_CONNECT_TIMEOUT_SECONDS", 2),
        "socket_timeout": env_int("REDIS_SOCKET_TIMEOUT_SECONDS", 2),
        "socket_keepalive": True,
        "health_check_interval": 25,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT_SECONDS", 2)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach the broker gives up after about a second; the caller
# (ops.queueing.enqueue_on_commit) logs it and the job row waits for its sweeper.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULER = "ops.beat:HeartbeatScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Celery's Django fixup closes every database connection before and after each task unless
# this is set (then once per this many tasks): a new PostgreSQL backend for every task costs
# ~5 ms and starts with cold caches. Kept like a web process's connections instead, checked
# and aged (CONN_MAX_AGE) around each task by helpdesk/celery.py.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
# The SLA breach scan's period (warnings, breaches, pause caps): the lag from a deadline to
# its breach record is at most this plus one scan.
SLA_SCAN_SECONDS = env_int("SLA_SCAN_SECONDS", 30)
# Worker processes a scan pass may spread over when many clocks are due at once (set it to
# the worker's --concurrency; 1 keeps every pass in one process).
SLA_SCAN_PARALLEL = env_int("SLA_SCAN_PARALLEL", 2)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sessions-cleanup": {
        "task": "tenants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    # SLA: re-queue calendar/policy recomputes whose on-commit enqueue was lost.
    "sla-recompute-pending": {
        "task": "sla.tasks.recompute_pending_jobs_cross_tenant",
        "schedule": 60.0,
    },
    # Ops: the worker heartbeat /healthz reads (beat writes its own from the scheduler).
    "ops-worker-heartbeat": {"task": "ops.tasks.worker_heartbeat", "schedule": 30.0},
    "ops-idempotency-cleanup": {
        "task": "ops.tasks.idempotency_cleanup_cross_tenant",
        "schedule": crontab(minute=41),
    },
    # Attachment files no row names (a process killed mid-request), a day later.
    "tickets-attachments-sweep-orphans": {
        "task": "tickets.tasks.attachments_sweep_orphans",
        "schedule": crontab(hour=4, minute=23),
    },
    # SLA warnings, breaches (handed to escalation) and pause caps (escalation/breach_scan.py).
    "sla-scan": {"task": "escalation.tasks.sla_scan", "schedule": float(SLA_SCAN_SECONDS)},
    # Unacknowledged escalations climb their ladders (escalation/scan.py).
    "escalation-scan": {"task": "escalation.tasks.escalation_scan", "schedule": 30.0},
    # Outbox: re-queue due deliveries (lost enqueues, retries after a backoff).
    "outbox-retry": {"task": "notifications.outbound.deliveries_retry_due", "schedule": 60.0},
    # Inbound email: re-queue deliveries whose on-commit parse task was lost (broker down).
    "inbound-requeue-stale": {
        "task": "notifications.inbound.tasks.inbound_requeue_stale_cross_tenant",
        "schedule": 60.0,
    },
    # CSAT: rating requests for resolved tickets, once per ticket (satisfaction/services.py).
    "satisfaction-requests-scan": {
        "task": "satisfaction.tasks.satisfaction_requests_scan",
        "schedule": 60.0,
    },
    # KB deflection: settle suggestion clicks against submissions before their keys are swept.
    "kb-suggestion-clicks-settle": {
        "task": "kb.tasks.suggestion_clicks_settle_cross_tenant",
        "schedule": crontab(minute=11),
    },
    # Maintenance notices (announced >= the window's notice ahead; moves, cancellations).
    "sla-maintenance-notices": {"task": "sla.tasks.maintenance_notices_scan_cross_tenant", "schedule": 600.0},  # noqa: E501
}

CACHES = {
    "default": {
        # An accelerator, never a dependency: Redis errors read as an empty cache (ops/cache.py),
        # and short timeouts keep a frozen Redis from hanging requests.
        "BACKEND": "ops.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": env_int("REDIS_CACHE_TIMEOUT_MS", 500) / 1000,
            "socket_timeout": env_int("REDIS_CACHE_TIMEOUT_MS", 500) / 1000,
        },
    }
    if env_bool("CACHE_REDIS", False)
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Sessions are read on every request: from the cache, written through to the database. Only
# with a cache every process shares (Redis), or in the single-process test run: with one local
# cache per process, a session signed out in one process would live on in the others' caches.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env_bool("CACHE_REDIS", False) or TESTING
    else "django.contrib.sessions.backends.db"
)

# /healthz requires the broker, a worker heartbeat and a beat heartbeat unless tasks run eagerly
# (tests) or this is the test run.
HEALTHZ_BACKGROUND = env_bool("HEALTHZ_BACKGROUND", not CELERY_TASK_ALWAYS_EAGER and not TESTING)

REST_FRAMEWORK = {
    # Token first: a refused or missing credential is then a 401 with `WWW-Authenticate: Token`
    # (with the session first, DRF answers 403, which says nothing about how to sign in).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api.TenantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.api.IsTenantMember"],
    "DEFAULT_PARSER_CLASSES": [
        "tenants.parsers.JSONParser",
        "tenants.parsers.FormParser",
        "tenants.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tenants.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, SLA clocks and policies of one tenant (the request's host).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Security: production cookies and headers.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and not TESTING and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- Security (README "Security"): API tokens ---
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
# --- Security: emailed links are built from these, never from the request's Host header ---
SITE_SCHEME = env_str("SITE_SCHEME", "http" if DEBUG else "https")
if SITE_SCHEME not in ("http", "https"):
    raise ImproperlyConfiguredEnv("SITE_SCHEME must be http or https.")
# 0: the scheme's own port (none in links). `make run` serves on 8000.
SITE_PORT = env_int("SITE_PORT", 8000 if DEBUG and not TESTING else 0)
# --- Security: password-reset emails, throttled per address and per client address ---
PASSWORD_RESET_MAX_PER_ADDRESS = env_int("PASSWORD_RESET_MAX_PER_ADDRESS", 3)
PASSWORD_RESET_MAX_PER_IP = env_int("PASSWORD_RESET_MAX_PER_IP", 10)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60)
# --- Security: Content-Security-Policy (django-csp) on every response. No inline script
# anywhere (templates load static/js/ files; tests/test_csp.py holds it); the API docs pages
# relax style-src/worker-src for their bundled UIs only (helpdesk/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# --- Security: how many reverse proxies of ours stand in front (tenants/client_ip.py) ---
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
