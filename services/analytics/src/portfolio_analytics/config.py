"""Analytics settings, from the environment only (see ``.env.example``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from portfolio_shared.settings import ServiceSettings

SERVICE = "analytics"


class AnalyticsSettings(ServiceSettings):
    service_name: str = SERVICE

    #: A GeoLite2/DB-IP country or city ``.mmdb``; without it every country is ``unknown``.
    geoip_db_path: str | None = Field(default=None, alias="GEOIP_DB_PATH")
    #: How many reverse proxies in front of the service append to ``X-Forwarded-For`` (0: use the peer).
    trusted_proxy_count: int = Field(default=0, ge=0, alias="TRUSTED_PROXY_COUNT")
    #: Raw events older than this are deleted; aggregates are kept.
    raw_event_retention_days: int = Field(default=30, ge=1, alias="RAW_EVENT_RETENTION_DAYS")
    #: When true the dashboard metrics need no token.
    analytics_dashboard_public: bool = Field(default=False, alias="ANALYTICS_DASHBOARD_PUBLIC")
    #: Redis pub/sub channel shared by the Socket.IO servers of every worker (pub/sub ignores db numbers).
    realtime_channel: str = Field(default="portfolio-analytics-realtime", alias="REALTIME_CHANNEL")


@lru_cache
def get_settings() -> AnalyticsSettings:
    """The process's settings, read once. Tests build their own or call ``get_settings.cache_clear()``."""
    return AnalyticsSettings()
