"""Typed settings base shared by every service (12-factor: environment only).

Each service subclasses :class:`ServiceSettings`, adds its own fields and exposes a cached
``get_settings()``. Secrets are ``SecretStr``; outside development a missing, empty or placeholder
secret refuses to start (:class:`PlaceholderSecretError` at construction time).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

#: Values that mark a secret as "not really set". Compared case-insensitively, after stripping.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "secret",
        "dev",
        "development",
        "insecure",
        "placeholder",
        "dev-insecure-secret",
        "django-insecure",
    }
)

#: The development default of SERVICE_TOKEN_SECRET and the webhook secrets (refused in production).
DEV_SECRET = "dev-insecure-secret-for-local-runs-only"  # noqa: S105 - the placeholder itself, refused outside development


#: The settings of Redis's roles, which default to ``redis_url``.
REDIS_ROLES = ("celery_broker_url", "cache_redis_url", "analytics_redis_url")


class PlaceholderSecretError(ValueError):
    """A secret still holds a placeholder value outside development."""


def is_placeholder(value: str) -> bool:
    """True when ``value`` is empty, a known placeholder, or starts with ``django-insecure``/``changeme``."""
    v = value.strip().lower()
    return v in PLACEHOLDER_SECRETS or v.startswith(("django-insecure", "changeme", "dev-insecure"))


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``service_name`` and add their own fields."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    service_name: str = "service"
    environment: Environment = Field(default="development", alias="ENVIRONMENT")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", alias="REDIS_URL")
    #: Redis has three roles, each with its own URL, each ``REDIS_URL`` when unset. Development may
    #: point all three at one server; production keeps the broker on an instance that never evicts,
    #: because ``maxmemory`` and the eviction policy belong to an instance, not to a db number.
    #: The Celery broker and result backend (document processor).
    celery_broker_url: str = Field(default="", alias="CELERY_BROKER_URL")
    #: Core's Django cache: cached responses and throttle counters (may evict: ``allkeys-lru``).
    cache_redis_url: str = Field(default="", alias="CACHE_REDIS_URL")
    #: Analytics' state: aggregates, salts, sessions, raw streams and the Socket.IO channel.
    analytics_redis_url: str = Field(default="", alias="ANALYTICS_REDIS_URL")

    core_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8000"), alias="CORE_URL")
    scraper_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8001"), alias="SCRAPER_URL")
    analytics_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8002"), alias="ANALYTICS_URL")
    documents_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8003"), alias="DOCUMENTS_URL")

    service_auth_mode: Literal["token", "oidc"] = Field(default="token", alias="SERVICE_AUTH_MODE")
    service_token_secret: SecretStr = Field(default=SecretStr(DEV_SECRET), alias="SERVICE_TOKEN_SECRET")
    #: In oidc mode: where Google's signing certificates are fetched (overridable for tests).
    oidc_certs_url: str = Field(default="https://www.googleapis.com/oauth2/v1/certs", alias="OIDC_CERTS_URL")
    #: In oidc mode: this service's own public URL, the audience callers put in their ID tokens.
    service_audience: str | None = Field(default=None, alias="SERVICE_AUDIENCE")

    outbound_allow_private: bool = Field(default=False, alias="OUTBOUND_ALLOW_PRIVATE")
    otel_exporter_otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    @property
    def is_development(self) -> bool:
        return self.environment != "production"

    def secret_fields(self) -> dict[str, SecretStr]:
        """Every SecretStr field by name; subclasses' secrets are found automatically."""
        return {
            name: value
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), SecretStr)
        }

    @model_validator(mode="after")
    def _redis_roles_default_to_redis_url(self) -> ServiceSettings:
        for role in REDIS_ROLES:
            if not getattr(self, role):
                setattr(self, role, self.redis_url)
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> ServiceSettings:
        if self.environment == "production":
            bad = sorted(
                (type(self).model_fields[name].alias or name).upper()
                for name, secret in self.secret_fields().items()
                if is_placeholder(secret.get_secret_value())
            )
            if bad:
                raise PlaceholderSecretError(
                    f"refusing to start in production with placeholder secrets: {', '.join(bad)}"
                )
        return self


def webhook_secrets(raw: str | None) -> list[str]:
    """Parse ``WEBHOOK_SECRETS_<SENDER>`` (comma-separated, newest first, for rotation)."""
    return [s.strip() for s in (raw or "").split(",") if s.strip()]
