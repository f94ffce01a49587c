"""``GET /metrics/summary|popular|trending``: the dashboard's reads, behind the dashboard access
rule (``api/access.py``) and a few seconds of cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.api.access import DASHBOARD_AUTH_RESPONSES, DashboardDep
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.deps import NowMsDep, RedisDep, SettingsDep
from portfolio_analytics.metrics.cache import ShortCache
from portfolio_analytics.metrics.periods import Period
from portfolio_analytics.metrics.summary import popular, summary
from portfolio_analytics.metrics.trending import trending
from portfolio_analytics.paper_titles import with_titles
from portfolio_analytics.sample import sample_loaded
from portfolio_shared.errors.fastapi import error_responses

router = APIRouter(prefix="/metrics", tags=["metrics"])

PeriodQuery = Annotated[Period, Query(description="Whole UTC days ending today.")]
LimitQuery = Annotated[int, Query(ge=1, le=100, description="Entries per ranked list.")]
RESPONSES = {**DASHBOARD_AUTH_RESPONSES, **error_responses(422, 503)}


Reader = Callable[[Redis, str, Period, int, int], Awaitable[dict[str, Any]]]


async def _cached(
    request: Request,
    settings: AnalyticsSettings,
    read: Reader,
    redis: Redis,
    period: Period,
    now_ms: int,
    limit: int,
) -> dict[str, Any]:
    """``read``'s answer, from the app's few-seconds cache when a recent one is there; from the sample
    week (``portfolio_analytics.sample``) while it is loaded, with ``sample`` saying which."""
    cache: ShortCache | None = getattr(request.app.state, "metrics_cache", None)
    if cache is None:
        cache = request.app.state.metrics_cache = ShortCache(settings.summary_cache_seconds)
    sample = await sample_loaded(redis, settings)
    prefix = keys.sample_prefix(settings.redis_prefix) if sample else settings.redis_prefix
    result: dict[str, Any] = await cache.get(
        (read.__name__, period, limit, sample), lambda: read(redis, prefix, period, now_ms, limit)
    )
    return await with_titles(getattr(request.app.state, "paper_titles", None), {**result, "sample": sample})


@router.get(
    "/summary",
    summary="Page views, visits, papers, searches, geography, realtime, time series",
    responses=RESPONSES,
)
async def get_summary(
    request: Request,
    viewer: DashboardDep,
    redis: RedisDep,
    settings: SettingsDep,
    now_ms: NowMsDep,
    period: PeriodQuery = "7d",
    limit: LimitQuery = 10,
) -> dict[str, Any]:
    result = await _cached(request, settings, summary, redis, period, now_ms, limit)
    # The credit the GeoIP database's licence asks of the page that shows its countries (or null).
    attribution = request.app.state.intake.geo.attribution
    return {**result, "geography": {**result["geography"], "attribution": attribution}}


@router.get("/popular", summary="The most viewed papers (with shares) and pages", responses=RESPONSES)
async def get_popular(
    request: Request,
    viewer: DashboardDep,
    redis: RedisDep,
    settings: SettingsDep,
    now_ms: NowMsDep,
    period: PeriodQuery = "7d",
    limit: LimitQuery = 10,
) -> dict[str, Any]:
    return await _cached(request, settings, popular, redis, period, now_ms, limit)


@router.get(
    "/trending",
    summary="Topics and queries rising against their baseline, with the ratio",
    responses=RESPONSES,
)
async def get_trending(
    request: Request,
    viewer: DashboardDep,
    redis: RedisDep,
    settings: SettingsDep,
    now_ms: NowMsDep,
    period: PeriodQuery = "today",
    limit: LimitQuery = 10,
) -> dict[str, Any]:
    return await _cached(request, settings, trending, redis, period, now_ms, limit)
