"""The core service's typed settings: the one place environment variables are read."""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from pydantic import AnyHttpUrl, Field, SecretStr

from portfolio_shared.settings import DEV_SECRET, ServiceSettings

#: Shortest DJANGO_SECRET_KEY accepted in production (what Django's own deploy check asks for).
MIN_DJANGO_SECRET_KEY_LENGTH = 50


class CoreSettings(ServiceSettings):
    service_name: str = "core"
    secret_min_lengths: ClassVar[dict[str, int]] = {"DJANGO_SECRET_KEY": MIN_DJANGO_SECRET_KEY_LENGTH}
    database_url: str | None = Field(
        default="postgresql://postgres@127.0.0.1:5432/portfolio_core", alias="DATABASE_URL"
    )
    django_secret_key: SecretStr = Field(
        default=SecretStr("django-insecure-development-only"), alias="DJANGO_SECRET_KEY"
    )
    django_admin_path: str = Field(default="admin/", alias="DJANGO_ADMIN_PATH")
    allowed_hosts: str = Field(default="127.0.0.1,localhost", alias="ALLOWED_HOSTS")
    allowed_origins: str = Field(
        default="http://127.0.0.1:5173,http://localhost:5173", alias="ALLOWED_ORIGINS"
    )
    analytics_dashboard_public: bool = Field(default=False, alias="ANALYTICS_DASHBOARD_PUBLIC")
    #: The admin refuses larger PDF uploads before sending them (the document processor's own limit too).
    max_upload_mb: int = Field(default=50, ge=1, alias="MAX_UPLOAD_MB")
    #: The public SPA's base URL: the source_url of content sent to the chatbot's index points there.
    site_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:5173"), alias="SITE_URL")
    #: Uploaded files (profile photo, CV, project images); default backend/media.
    media_root: str | None = Field(default=None, alias="MEDIA_ROOT")
    #: Prefix of core's keys in the Redis cache (several cores may share one Redis database).
    cache_key_prefix: str = Field(default="core", min_length=1, alias="CACHE_KEY_PREFIX")
    #: Public papers responses stay cached (in Redis) at most this long; any papers write invalidates
    #: them at once. 0 turns the cache off.
    papers_cache_seconds: int = Field(default=600, ge=0, alias="PAPERS_CACHE_SECONDS")
    #: Paper thumbnails are fetched (and proxied) only from under this base URL: Hugging Face's.
    thumbnail_upstream_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://cdn-thumbnails.huggingface.co/social-thumbnails/"),
        alias="THUMBNAIL_UPSTREAM_URL",
    )
    #: The chatbot's answer provider: "extractive" (offline, default) or "vertex" (Gemini on Vertex AI).
    llm_provider: str = Field(default="extractive", pattern="^(extractive|vertex)$", alias="LLM_PROVIDER")
    vertex_project: str = Field(default="", alias="GOOGLE_CLOUD_PROJECT")
    vertex_location: str = Field(default="us-central1", alias="GOOGLE_CLOUD_LOCATION")
    #: Replaces Vertex's regional endpoint (a proxy, or a local fake server); empty: Google's own.
    vertex_base_url: str = Field(default="", alias="VERTEX_BASE_URL")
    vertex_chat_model: str = Field(default="gemini-2.5-flash", alias="VERTEX_CHAT_MODEL")
    #: Proxies in front of core appending to X-Forwarded-For (Cloud Run: 1; 0: the peer is the client).
    trusted_proxy_count: int = Field(default=0, ge=0, alias="TRUSTED_PROXY_COUNT")
    #: Chatbot questions one visitor (client address) may ask per window.
    chatbot_rate_limit: int = Field(default=20, ge=1, alias="CHATBOT_RATE_LIMIT")
    chatbot_rate_window_seconds: int = Field(default=60, ge=1, alias="CHATBOT_RATE_WINDOW_SECONDS")
    #: Development only: each chatbot question's retrieved passages are appended to this JSON-lines
    #: file (what ``scripts.fit_chatbot_decision`` fits on; ``make eval ARGS="--trace …"`` sets it).
    chatbot_trace_path: str = Field(default="", alias="CHATBOT_TRACE_PATH")
    #: Webhook receipts (the dedupe record of each webhook-id) are deleted after this many days.
    webhook_receipt_retention_days: float = Field(default=30, gt=0, alias="WEBHOOK_RECEIPT_RETENTION_DAYS")
    #: Public API reads (GET/HEAD under /api/) one client address may make per window; 0: no limit.
    #: Test stacks, e2e and the bench raise it: all their clients are one address.
    public_read_rate_limit: int = Field(default=300, ge=0, alias="PUBLIC_READ_RATE_LIMIT")
    public_read_rate_window_seconds: int = Field(default=60, ge=1, alias="PUBLIC_READ_RATE_WINDOW_SECONDS")
    webhook_secrets_scraper: SecretStr = Field(default=SecretStr(DEV_SECRET), alias="WEBHOOK_SECRETS_SCRAPER")
    webhook_secrets_documents: SecretStr = Field(
        default=SecretStr(DEV_SECRET), alias="WEBHOOK_SECRETS_DOCUMENTS"
    )
    webhook_secrets_core: SecretStr = Field(default=SecretStr(DEV_SECRET), alias="WEBHOOK_SECRETS_CORE")


@lru_cache
def get_settings() -> CoreSettings:
    return CoreSettings()
