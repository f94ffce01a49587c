"""Typed settings base shared by every service (12-factor: environment only).

Each service subclasses :class:`ServiceSettings`, adds its own fields and exposes a cached
``get_settings()``. Secrets are ``SecretStr``; in production a missing, empty, placeholder or too
short secret refuses to start (:class:`PlaceholderSecretError` at construction time), and so does
any element of a rotation list (``WEBHOOK_SECRETS_<SENDER>``) or a committed development key.
"""

from __future__ import annotations

from typing import ClassVar, Literal

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

#: The development default of the webhook secrets (refused in production).
DEV_SECRET = "dev-insecure-secret-for-local-runs-only"  # noqa: S105 - the placeholder itself, refused outside development

#: Settings holding a comma-separated rotation list: each element is checked on its own.
ROTATION_LIST_PREFIX = "WEBHOOK_SECRETS_"
#: Shortest webhook secret accepted in production (HMAC-SHA256: at least the hash's 32 bytes).
MIN_WEBHOOK_SECRET_LENGTH = 32


#: The settings of Redis's roles, which default to ``redis_url``.
REDIS_ROLES = ("celery_broker_url", "cache_redis_url", "analytics_redis_url")


class PlaceholderSecretError(ValueError):
    """A secret still holds a placeholder value outside development."""


def is_placeholder(value: str) -> bool:
    """True when ``value`` is empty, a known placeholder, or starts with ``django-insecure``/``changeme``."""
    v = value.strip().lower()
    return v in PLACEHOLDER_SECRETS or v.startswith(("django-insecure", "changeme", "dev-insecure"))


def secret_problem(name: str, value: str, min_length: int = 0) -> str | None:
    """Why ``value`` may not be ``name`` in production, or None.

    A rotation list (``WEBHOOK_SECRETS_<SENDER>``) is checked element by element: a placeholder or a
    too short secret anywhere in it is refused, and so is an empty list.
    """
    if name.startswith(ROTATION_LIST_PREFIX):
        elements, min_length = webhook_secrets(value), max(min_length, MIN_WEBHOOK_SECRET_LENGTH)
    else:
        elements = [value]
    if not elements or any(is_placeholder(element) for element in elements):
        return f"{name} is missing or holds a placeholder"
    if any(len(element.strip()) < min_length for element in elements):
        return f"{name} needs at least {min_length} characters (each, when it lists several)"
    return None


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
    #: Where core serves what other services fetch from it (its media, e.g. the CV the document
    #: processor indexes); ``CORE_URL`` when unset. The processor's SSRF guard trusts URLs under it.
    core_public_url: AnyHttpUrl | None = Field(default=None, alias="CORE_PUBLIC_URL")

    service_auth_mode: Literal["token", "oidc"] = Field(default="token", alias="SERVICE_AUTH_MODE")
    #: Token mode: this workload's own private key (PKCS#8 PEM or its one-line base64 body). Only a
    #: workload that calls other services (or, core, mints dashboard tokens) needs one; in
    #: development it defaults to the committed key of ``service_name``.
    service_signing_key: SecretStr | None = Field(default=None, alias="SERVICE_SIGNING_KEY")
    #: Token mode: the public keys accepted from each caller, comma-separated (several during a
    #: rotation). None set in development: every caller's committed development key.
    service_caller_keys_core: str = Field(default="", alias="SERVICE_CALLER_KEYS_CORE")
    service_caller_keys_scraper: str = Field(default="", alias="SERVICE_CALLER_KEYS_SCRAPER")
    service_caller_keys_analytics: str = Field(default="", alias="SERVICE_CALLER_KEYS_ANALYTICS")
    service_caller_keys_documents: str = Field(default="", alias="SERVICE_CALLER_KEYS_DOCUMENTS")
    service_caller_keys_scheduler: str = Field(default="", alias="SERVICE_CALLER_KEYS_SCHEDULER")
    service_caller_keys_admin: str = Field(default="", alias="SERVICE_CALLER_KEYS_ADMIN")
    #: In oidc mode: where Google's signing certificates are fetched (overridable for tests).
    oidc_certs_url: str = Field(default="https://www.googleapis.com/oauth2/v1/certs", alias="OIDC_CERTS_URL")
    #: In oidc mode: this service's own public URL, the audience callers put in their ID tokens.
    service_audience: str | None = Field(default=None, alias="SERVICE_AUDIENCE")

    #: FastAPI services: the largest request body accepted (KiB); larger ones get 413 before they are
    #: read. A route may take more (the document processor's PDF upload: ``MAX_UPLOAD_MB``).
    max_request_body_kb: int = Field(default=2048, ge=1, alias="MAX_REQUEST_BODY_KB")
    outbound_allow_private: bool = Field(default=False, alias="OUTBOUND_ALLOW_PRIVATE")
    otel_exporter_otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")

    #: Minimum lengths (characters) of secrets in production, by variable name.
    secret_min_lengths: ClassVar[dict[str, int]] = {}

    @property
    def core_public_base(self) -> str:
        """``CORE_PUBLIC_URL`` (else ``CORE_URL``) without its trailing slash."""
        return str(self.core_public_url or self.core_url).rstrip("/")

    @property
    def is_development(self) -> bool:
        return self.environment != "production"

    def caller_keys_raw(self) -> dict[str, str]:
        """``{caller: SERVICE_CALLER_KEYS_<CALLER>}`` for every caller with keys set."""
        prefix = "service_caller_keys_"
        return {
            name.removeprefix(prefix): value
            for name in type(self).model_fields
            if name.startswith(prefix) and (value := getattr(self, name)).strip()
        }

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
        # Imported here: the auth package imports this module.
        from portfolio_shared.auth.settings_keys import key_problems

        problems = key_problems(self)
        if self.environment == "production":
            for name, secret in self.secret_fields().items():
                alias = (type(self).model_fields[name].alias or name).upper()
                if name == "service_signing_key":
                    continue  # a key, checked by key_problems
                minimum = self.secret_min_lengths.get(alias, 0)
                problem = secret_problem(alias, secret.get_secret_value(), minimum)
                if problem:
                    problems.append(problem)
        if problems:
            raise PlaceholderSecretError("refusing to start: " + "; ".join(sorted(problems)))
        return self


def webhook_secrets(raw: str | None) -> list[str]:
    """Parse ``WEBHOOK_SECRETS_<SENDER>`` (comma-separated, newest first, for rotation)."""
    return [s.strip() for s in (raw or "").split(",") if s.strip()]
