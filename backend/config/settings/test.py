"""Tests: pytest-django creates test_<name> databases on the real Postgres."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, STORAGES, WEBHOOK_SECRETS

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed: tests create users
WEBHOOK_SECRETS = {**WEBHOOK_SECRETS, "scraper": ["test-secret-new", "test-secret-old"]}

# Each test run gets its own Redis database and key prefix so parallel runs never share caches.
CACHES = {
    "default": {
        "BACKEND": "core_lib.cache.ProcessRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/11",
        "KEY_PREFIX": f"core-test-{os.getpid()}",  # per process: cached pages never leak between runs
        "OPTIONS": CACHES["default"]["OPTIONS"],
    }
}

# Tests run without collectstatic: the manifest storage would fail every page that uses {% static %}.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# One test database per test process, so two runs on one machine (or CI beside a developer) never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_portfolio_core_{os.getpid()}"}  # noqa: F405

# Test transactions never commit, so the papers response cache would never be invalidated between
# tests; papers/tests/test_cache.py turns it on where it is the subject.
PAPERS_CACHE_SECONDS = 0

# Every test client is 127.0.0.1: the public-read limit would refuse the suite itself.
# config/tests/test_ratelimit.py turns it on where it is the subject.
PUBLIC_READ_RATE_LIMIT = 0

# Probes answer afresh in tests; config/tests/test_probes.py turns their cache on where it is the subject.
PROBE_CACHE_SECONDS = 0

# The share-link attempts limit would count every test's attempts together (one client address);
# insights/tests/test_share_links.py turns it on where it is the subject.
DASHBOARD_SHARE_RATE_LIMIT = 0
