"""Production (Cloud Run): secure cookies, HSTS, placeholder secrets refused by CoreSettings."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

if env.environment != "production":
    raise RuntimeError("config.settings.production needs ENVIRONMENT=production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env.allowed_origins.split(",") if o.strip()]
