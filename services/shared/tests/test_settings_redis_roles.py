"""Redis's three roles: each has its own URL, and each is ``REDIS_URL`` when unset."""

from __future__ import annotations

from portfolio_shared.settings import REDIS_ROLES, ServiceSettings


def test_each_role_defaults_to_redis_url() -> None:
    settings = ServiceSettings(REDIS_URL="redis://one.example:6379/3")
    assert {role: getattr(settings, role) for role in REDIS_ROLES} == dict.fromkeys(
        REDIS_ROLES, "redis://one.example:6379/3"
    )


def test_each_role_has_its_own_variable() -> None:
    settings = ServiceSettings(
        REDIS_URL="redis://default.example:6379/0",
        CELERY_BROKER_URL="redis://broker.example:6379/0",
        CACHE_REDIS_URL="redis://cache.example:6379/0",
        ANALYTICS_REDIS_URL="redis://analytics.example:6379/0",
    )
    assert settings.celery_broker_url == "redis://broker.example:6379/0"
    assert settings.cache_redis_url == "redis://cache.example:6379/0"
    assert settings.analytics_redis_url == "redis://analytics.example:6379/0"
