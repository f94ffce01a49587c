"""Tests: pytest-django creates test_<name> databases on the real Postgres."""

from config.settings.base import *  # noqa: F403
from config.settings.base import WEBHOOK_SECRETS

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests create users
WEBHOOK_SECRETS = {**WEBHOOK_SECRETS, "scraper": ["test-secret-new", "test-secret-old"]}

# Each test run gets its own Redis database and key prefix so parallel runs never share caches.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/11",
        "KEY_PREFIX": "core-test",
    }
}
