"""Reads proxied from the scraper and the analytics service, cached briefly in Redis.

A cached answer spares the peer a burst of identical reads (every visitor's page polls the same
status). Successes are kept for seconds; misses and upstream errors for ``FAILURE_TTL`` only, so
an outage is not remembered for long once the peer is back. Redis itself failing only costs the
cache: the read still goes to the peer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from core_lib.upstreams import call
from portfolio_shared.clients import AnalyticsClient, ScraperClient
from portfolio_shared.errors import PortfolioError

logger = logging.getLogger(__name__)

SCRAPE_STATUS_TTL = 15
ANALYTICS_SUMMARY_TTL = 30
#: A miss (no such job) or an upstream failure is remembered this long: a burst of visitors, or of
#: made-up job ids, costs the peer one call each, and a recovered peer is seen again in seconds.
FAILURE_TTL = 5
_FAILED = "failed"


def _cached(key: str, ttl: int, fetch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        hit = cache.get(key)
    except RedisError:
        # Redis down or hung: read the peer, and do not wait on Redis a second time to store.
        logger.warning("proxy cache unavailable; reading %s from upstream", key, exc_info=True)
        return fetch()
    if isinstance(hit, dict):
        return dict(hit)
    if isinstance(hit, tuple) and hit and hit[0] == _FAILED:
        raise _failure(hit[1])
    try:
        value = fetch()
    except PortfolioError as exc:
        _store(key, (_FAILED, _remembered(exc)), FAILURE_TTL)
        raise
    _store(key, value, ttl)
    return value


def _store(key: str, value: Any, ttl: int) -> None:
    try:
        cache.set(key, value, ttl)
    except RedisError:
        logger.warning("proxy cache unavailable; %s not cached", key, exc_info=True)


def _remembered(exc: PortfolioError) -> dict[str, Any]:
    return {
        "status": exc.status,
        "code": exc.error_code,
        "message": exc.message,
        "details": exc.details,
        "headers": exc.headers,
    }


def _failure(remembered: dict[str, Any]) -> PortfolioError:
    exc = PortfolioError(
        remembered["message"],
        code=remembered["code"],
        details=remembered["details"],
        headers=remembered["headers"],
    )
    exc.status = remembered["status"]
    return exc


def scrape_status(*, job_id: str | None = None) -> dict[str, Any]:
    """The scraper's ``GET /scrape/status`` (latest job, or ``job_id``) as JSON."""

    def fetch() -> dict[str, Any]:
        job = call(ScraperClient, lambda c: c.status(job_id), deadline=settings.PROXY_DEADLINE_SECONDS)
        return job.model_dump(mode="json")

    key = f"insights:scrape-status:job={job_id}" if job_id else "insights:scrape-status:latest"
    return _cached(key, SCRAPE_STATUS_TTL, fetch)


def analytics_summary(
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    filter_: str | None = None,
) -> dict[str, Any]:
    """The analytics service's ``GET /metrics/summary`` (``period``, or ``from``/``to``, and an
    optional ``filter``) as JSON (its camelCase keys). The cache key holds every parameter sent."""
    params = AnalyticsClient.summary_params(period, start=start, end=end, filter_=filter_)

    def fetch() -> dict[str, Any]:
        summary = call(
            AnalyticsClient,
            lambda c: c.summary(period, start=start, end=end, filter_=filter_),
            deadline=settings.PROXY_DEADLINE_SECONDS,
        )
        return summary.model_dump(mode="json", by_alias=True)

    return _cached(analytics_summary_key(params), ANALYTICS_SUMMARY_TTL, fetch)


def analytics_summary_key(params: dict[str, str]) -> str:
    """The cache key of a summary read: every query parameter sent. A filter value is free text (a
    path, a campaign), so the parameters are hashed into a short key safe for any cache."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:32]
    return f"insights:analytics-summary:{digest}"
