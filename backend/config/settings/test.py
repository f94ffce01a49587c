"""Tests: pytest-django creates test_<name> databases on the real Postgres."""

from config.settings.base import *  # noqa: F403
from config.settings.base import WEBHOOK_SECRETS

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests create users
WEBHOOK_SECRETS = {**WEBHOOK_SECRETS, "scraper": ["test-secret-new", "test-secret-old"]}
