"""Django settings shared by every environment; values come from config.env.CoreSettings."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import get_settings
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from portfolio_shared.log import configure_logging
from portfolio_shared.redis_timeouts import socket_timeouts
from portfolio_shared.settings import webhook_secrets

env = get_settings()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SERVICE_NAME = "core"

SECRET_KEY = env.django_secret_key.get_secret_value()
DEBUG = False
ALLOWED_HOSTS = [h.strip() for h in env.allowed_hosts.split(",") if h.strip()]
ADMIN_PATH = env.django_admin_path.strip("/") + "/"

INSTALLED_APPS = [
    "config.admin_apps.PortfolioAdminConfig",  # django.contrib.admin with a throttled login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets, served by whitenoise
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "webhooks",
    "outbox",
    "accounts",
    "content",
    "papers",
    "documents",
    "insights",
    "scrapes",
    "chatbot",
]

MIDDLEWARE = [
    "portfolio_shared.django.middleware.RequestIdMiddleware",
    "portfolio_shared.django.middleware.MetricsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Public API reads per client address (core_lib/ratelimit.py); its 429 still gets CORS headers.
    "core_lib.ratelimit.PublicReadThrottleMiddleware",
    # /health, /ready, /internal/metrics: answered before host checks and the HTTPS redirect.
    "portfolio_shared.django.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's, its storage built only when a request uses messages (the admin).
    "config.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

CORS_ALLOWED_ORIGINS = [o.strip() for o in env.allowed_origins.split(",") if o.strip()]
CORS_EXPOSE_HEADERS = ["X-Request-ID"]
# Only the API is for browsers on other origins: the admin, /health, /ready and /internal/ are not.
CORS_URLS_REGEX = r"^/api/.*$"
# The SPA's dashboard asks analytics/token/ with the owner's session cookie (allowed origins only).
CORS_ALLOW_CREDENTIALS = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"  # what gunicorn serves (uvicorn workers); wsgi stays for tools

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The admin's own templates over Django's (admin/base_site.html: the live dashboard link).
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

# Connections come from a per-process pool (psycopg_pool through Django's "pool" option). Under ASGI
# each request's sync code runs in a thread of its own, so Django's persistent connections
# (CONN_MAX_AGE) would stay with threads that never serve again; without either, every request
# would open a connection (a new Postgres backend, milliseconds). The pool hands the request's thread
# an open connection and takes it back when Django closes it at the request's end (docs/architecture.md).
DATABASES = {"default": dj_database_url.parse(env.database_url or "", conn_max_age=0)}
# Django's PostgreSQL backend but for the pool's check of a connection it hands out (config.db).
DATABASES["default"]["ENGINE"] = "config.db"
DATABASES["default"].setdefault("OPTIONS", {}).update(
    # An unreachable Postgres fails a request within seconds instead of hanging a worker.
    connect_timeout=DB_CONNECT_TIMEOUT_S,
    pool={
        "min_size": 2,
        # Concurrent requests of one worker, each in its own thread, hold one each; more wait for
        # one (at most `timeout` s) rather than exhaust Postgres' max_connections across workers.
        "max_size": 10,
        "timeout": DB_CONNECT_TIMEOUT_S,
        # Connections idle this long are closed (down to min_size).
        "max_idle": 300,
    },
)
# With the pool: a connection Postgres dropped (restart, failover) is replaced before a request gets
# it (config.db: the socket is asked first; psycopg_pool's check_connection, a round trip, runs only
# when the connection has something to read, as a closed one has).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Redis: short-lived caches of the proxies (scrape status, analytics summary) and throttling counters.
# Every use of it degrades without it, so a Redis that is down or hangs must cost a request little:
# each call gives up after 0.5 s (connect and read), without retrying.
CACHES = {
    "default": {
        # Django's RedisCache with one client per process (not per request: core_lib/cache.py).
        "BACKEND": "core_lib.cache.ProcessRedisCache",
        "LOCATION": env.cache_redis_url,
        "KEY_PREFIX": env.cache_key_prefix,
        "TIMEOUT": 300,
        "OPTIONS": socket_timeouts(0.5),
    }
}
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6's default: a URL typed without a scheme is https
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.media_root) if env.media_root else BASE_DIR / "media"
# Where the SPA lives: content sent to the chatbot's index links back to its page there.
SITE_URL = str(env.site_url).rstrip("/")
# Core as other services reach it (CORE_PUBLIC_URL, else CORE_URL): the CV's URL the processor fetches.
CORE_PUBLIC_URL = env.core_public_base
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "portfolio_shared.errors.drf.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AI Platform Portfolio — core",
    "DESCRIPTION": "Content, papers, documents, webhooks and chatbot of the portfolio platform.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Every 4xx/5xx documented with the shared error envelope (config/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_error_responses",
        "config.openapi.pydantic_schemas_to_oas30",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Peer services core calls (the insights proxies, the admin's document uploads).
SCRAPER_URL = str(env.scraper_url).rstrip("/")
ANALYTICS_URL = str(env.analytics_url).rstrip("/")
DOCUMENTS_URL = str(env.documents_url).rstrip("/")
# A proxied read (scrape status, analytics summary) answers 503 after this long, retries included.
PROXY_DEADLINE_SECONDS = 3.0
ANALYTICS_DASHBOARD_PUBLIC = env.analytics_dashboard_public
# Attempts at a dashboard token with a share link (POST /api/analytics/token/) per client and
# window: a share token cannot be guessed, the limit only keeps the attempts cheap. 0: no limit.
DASHBOARD_SHARE_RATE_LIMIT = 30
DASHBOARD_SHARE_RATE_WINDOW_SECONDS = 60
DOCUMENT_UPLOAD_MAX_BYTES = env.max_upload_mb * 1024 * 1024

# Rate limits (public reads, chatbot, admin login) count per client address, read behind this many
# proxies, IPv6 as its /64 (core_lib.ratelimit.limit_key).
TRUSTED_PROXY_COUNT = env.trusted_proxy_count
# Public API reads per client and window (core_lib.ratelimit.PublicReadThrottleMiddleware); 0: no limit.
PUBLIC_READ_RATE_LIMIT = env.public_read_rate_limit
PUBLIC_READ_RATE_WINDOW_SECONDS = env.public_read_rate_window_seconds

# Passwords set through Django's forms and createsuperuser (the admin's accounts): Django's four
# validators, at least 12 characters for an account that can change the whole site.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin login throttling (config/admin_site.py): failures per (username, address) and window.
ADMIN_LOGIN_MAX_FAILURES = 5
ADMIN_LOGIN_LOCKOUT_SECONDS = 15 * 60

# Webhook secrets by sender (comma-separated for rotation, newest first).
WEBHOOK_SECRETS = {
    "scraper": webhook_secrets(env.webhook_secrets_scraper.get_secret_value()),
    "documents": webhook_secrets(env.webhook_secrets_documents.get_secret_value()),
}

WEBHOOK_RECEIPT_RETENTION_DAYS = env.webhook_receipt_retention_days

# Rendered public papers responses (papers/cache.py); invalidated by every papers write.
PAPERS_CACHE_SECONDS = env.papers_cache_seconds
# Paper thumbnails (papers/thumbnails.py): the one upstream base they are fetched from.
THUMBNAIL_UPSTREAM_URL = str(env.thumbnail_upstream_url)
OUTBOUND_ALLOW_PRIVATE = env.outbound_allow_private
# Similar papers (papers/similar.py): a paper page never waits longer than this for the processor.
PAPERS_SIMILAR_DEADLINE_SECONDS = 0.5

# Inbound service tokens (portfolio_shared.auth.drf.ServiceTokenAuthentication).
SERVICE_AUTHENTICATOR = "config.service_auth.service_authenticator"

READINESS_CHECKS = ["config.readiness.database"]
# /ready and /internal/metrics are reachable on the public host: each process answers them from its
# last answer for this long, so a flood of them costs no database connections (portfolio_shared.django).
PROBE_CACHE_SECONDS = 2

configure_logging(SERVICE_NAME, env.log_level)
LOGGING_CONFIG = None  # our JSON handler is installed above; Django must not replace it

# The chatbot (chatbot/): provider, Vertex AI, deadlines, relevance floor, rate limit, memory.
CHATBOT_PROVIDER = env.llm_provider
CHATBOT_VERTEX = {
    "project": env.vertex_project,
    "location": env.vertex_location,
    "base_url": env.vertex_base_url or None,
    "model": env.vertex_chat_model,
}
CHATBOT_SEARCH_DEADLINE_SECONDS = 3.0
CHATBOT_LLM_DEADLINE_SECONDS = 15.0
# A hit counts as relevant when the keyword side matched it or its cosine similarity reaches this.
CHATBOT_VECTOR_FLOOR = 0.5
# Within one paper (paper_id), a hit counts when its keyword side covers this share of the question
# (the document processor's keyword_coverage) or its cosine reaches CHATBOT_VECTOR_FLOOR.
CHATBOT_TERM_COVERAGE = 0.6
# Development only: the chatbot appends each question's retrieved passages here (chatbot.trace).
CHATBOT_TRACE_PATH = env.chatbot_trace_path
CHATBOT_RATE_LIMIT = env.chatbot_rate_limit
CHATBOT_RATE_WINDOW_SECONDS = env.chatbot_rate_window_seconds
CHATBOT_CONVERSATION_TURNS = 5
CHATBOT_CONVERSATION_TTL_SECONDS = 3600
