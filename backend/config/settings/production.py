"""Production (Cloud Run): secure cookies, HSTS, placeholder secrets refused by CoreSettings."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

if env.environment != "production":
    raise RuntimeError("config.settings.production needs ENVIRONMENT=production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Lets the domain be submitted to the browsers' preload list; nothing changes until it is submitted.
SECURE_HSTS_PRELOAD = True
# Cloud Run terminates TLS and says so in X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER): plain HTTP
# from a browser is redirected. Probes, metrics scrapes and service-to-service calls (bearer tokens,
# signed webhooks; plain HTTP inside a cluster) are exempt: a redirect would only break them.
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [
    r"^health$",
    r"^ready$",
    r"^internal/metrics$",
    r"^api/internal/",
    r"^api/webhooks/",
]
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env.allowed_origins.split(",") if o.strip()]
