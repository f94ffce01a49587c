"""Analytics settings, from the environment only (see ``.env.example``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator

from portfolio_analytics.events.geo import packaged_database
from portfolio_shared.settings import ServiceSettings

SERVICE = "analytics"
#: The ``GEOIP_DB_PATH`` that turns the GeoIP lookup off.
GEOIP_OFF = "off"
#: Daily sets built from ``props`` and click targets (``ANALYTICS_PROPS_RETENTION_DAYS``).
PROPS_SETS = ("topics", "papers:viewed", "papers:shared")


class AnalyticsSettings(ServiceSettings):
    service_name: str = SERVICE

    #: A GeoLite2/DB-IP country or city ``.mmdb``. Unset or empty: the DB-IP City Lite file installed
    #: with the service; ``off``: none, every country is ``unknown`` (``events/geo.py``).
    geoip_db_path: str | None = Field(default=None, alias="GEOIP_DB_PATH", validate_default=True)
    #: How many reverse proxies in front of the service append to ``X-Forwarded-For`` (0: use the peer).
    trusted_proxy_count: int = Field(default=0, ge=0, alias="TRUSTED_PROXY_COUNT")
    #: Raw events older than this are deleted; aggregates are kept.
    raw_event_retention_days: int = Field(default=30, ge=1, alias="RAW_EVENT_RETENTION_DAYS")
    #: When true the dashboard metrics need no token.
    analytics_dashboard_public: bool = Field(default=False, alias="ANALYTICS_DASHBOARD_PUBLIC")
    #: Redis pub/sub channel shared by the Socket.IO servers of every worker (pub/sub ignores db numbers).
    realtime_channel: str = Field(default="portfolio-analytics-realtime", alias="REALTIME_CHANNEL")

    # --- ingestion and metrics (events/, metrics/; the Redis layout is in the service README) ---
    #: Every Redis key starts with ``<prefix>:``; tests use a unique prefix each, so nothing is flushed.
    redis_prefix: str = Field(default="an", min_length=1, alias="ANALYTICS_REDIS_PREFIX")
    #: Mixed into the visitor hash, so two sites sharing a Redis never share visitor ids.
    site_id: str = Field(default="portfolio", alias="ANALYTICS_SITE_ID")
    #: Browsers that may post events (CORS allow-list); the same variable core reads.
    allowed_origins: str = Field(
        default="http://127.0.0.1:5173,http://localhost:5173", alias="ALLOWED_ORIGINS"
    )
    #: Also drop ``DNT: 1`` visitors (``Sec-GPC: 1`` is always honoured).
    honor_dnt: bool = Field(default=True, alias="ANALYTICS_HONOR_DNT")
    #: Per-visitor token bucket: events a visitor may send at once, and refilled per second.
    rate_limit_burst: int = Field(default=120, ge=1, alias="ANALYTICS_RATE_LIMIT_BURST")
    rate_limit_per_second: float = Field(default=2.0, gt=0, alias="ANALYTICS_RATE_LIMIT_PER_SECOND")
    #: Per-client-address token bucket, whatever the User-Agent (one address may be an office's NAT):
    #: events at once, and refilled per second. The bench and the e2e stack raise it.
    ip_budget_burst: int = Field(default=600, ge=1, alias="ANALYTICS_IP_BUDGET_BURST")
    ip_budget_per_second: float = Field(default=10.0, gt=0, alias="ANALYTICS_IP_BUDGET_PER_SECOND")
    #: Distinct members a daily (or hourly) sorted set may hold; later new ones count as ``(other)``.
    distinct_per_set: int = Field(default=2000, ge=10, alias="ANALYTICS_DISTINCT_PER_SET")
    #: Filter values per kind and UTC day that get their own copy of the day's aggregates (ADR 13);
    #: later values of a full day get none, and the day is marked capped.
    filter_values_per_day: int = Field(default=250, ge=1, alias="ANALYTICS_FILTER_VALUES_PER_DAY")
    #: Seconds ``/metrics/*`` answers are cached in the process; 0 turns the cache off.
    summary_cache_seconds: float = Field(default=5.0, ge=0, alias="ANALYTICS_SUMMARY_CACHE_SECONDS")
    #: Days the daily aggregates (counters, sorted sets, HyperLogLogs) are kept.
    aggregate_retention_days: int = Field(default=400, ge=31, alias="ANALYTICS_AGGREGATE_RETENTION_DAYS")
    #: Days the daily ``queries`` sets (search terms people typed) are kept; 60 covers trending's
    #: 30 days against the 30 before.
    query_retention_days: int = Field(default=90, ge=60, alias="ANALYTICS_QUERY_RETENTION_DAYS")
    #: Days the daily sets built from ``props`` and click targets (``topics``, ``papers:viewed``,
    #: ``papers:shared``) are kept.
    props_retention_days: int = Field(default=400, ge=60, alias="ANALYTICS_PROPS_RETENTION_DAYS")
    #: Approximate cap on one day's raw event stream (``XADD MAXLEN ~``).
    raw_stream_maxlen: int = Field(default=2_000_000, ge=1000, alias="ANALYTICS_RAW_STREAM_MAXLEN")

    @field_validator("geoip_db_path", mode="before")
    @classmethod
    def _packaged_geoip_unless_off(cls, value: object) -> object:
        # Empty counts as unset: a .env copied from .env.example has the line, and geography stays on.
        if value is None or (isinstance(value, str) and not value.strip()):
            return packaged_database()
        if isinstance(value, str) and value.strip().lower() == GEOIP_OFF:
            return None
        return value

    def set_retention_days(self, name: str) -> int:
        """Days the daily sorted set ``name`` (``keys.DAILY_SETS``) and its month roll-up are kept."""
        if name == "queries":
            return self.query_retention_days
        if name in PROPS_SETS:
            return self.props_retention_days
        return self.aggregate_retention_days

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.allowed_origins.split(",") if origin.strip()]


@lru_cache
def get_settings() -> AnalyticsSettings:
    """The process's settings, read once. Tests build their own or call ``get_settings.cache_clear()``."""
    return AnalyticsSettings()
