"""``GET /metrics/summary|popular|trending``: the dashboard's reads, behind the dashboard access
rule (``api/access.py``) and a few seconds of cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.api.access import DASHBOARD_AUTH_RESPONSES, DashboardDep
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.deps import NowMsDep, RedisDep, SettingsDep
from portfolio_analytics.metrics.cache import ShortCache
from portfolio_analytics.metrics.filters import parse_filter
from portfolio_analytics.metrics.periods import Period, resolve_range
from portfolio_analytics.metrics.ranges import MetricsQuery, Retention
from portfolio_analytics.metrics.summary import popular, summary
from portfolio_analytics.metrics.trending import trending
from portfolio_analytics.paper_titles import with_titles
from portfolio_analytics.sample import sample_loaded
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.schemas import AnalyticsPopular, AnalyticsSummary, AnalyticsTrending
from portfolio_shared.schemas.analytics import GeoAttribution

router = APIRouter(prefix="/metrics", tags=["metrics"])

PeriodQuery = Annotated[
    Period | None,
    Query(
        description="Whole UTC days ending today (`today` = since 00:00 UTC); without it and without "
        "`from`, the route's default preset. Not together with `from`/`to`."
    ),
]
FromQuery = Annotated[
    str | None,
    Query(
        alias="from",
        description="First UTC day of a custom range, YYYY-MM-DD, within the aggregate retention.",
        examples=["2026-01-01"],
    ),
]
ToQuery = Annotated[
    str | None,
    Query(description="Last UTC day of a custom range (inclusive), YYYY-MM-DD; default today. Needs `from`."),
]
LimitQuery = Annotated[int, Query(ge=1, le=100, description="Entries per ranked list.")]
FilterQuery = Annotated[
    str | None,
    Query(
        alias="filter",
        description="One filter, `<kind>:<value>` split on the first `:`; kind `page` (a path), `source` "
        "(a referrer source as the referrers panel shows it), `country` (ISO code or `unknown`), `topic` "
        "or `campaign` (utm_campaign). The answer's `unavailable` lists the panels it does not restrict.",
        examples=["country:DE", "page:/papers"],
    ),
]
RESPONSES = {**DASHBOARD_AUTH_RESPONSES, **error_responses(422, 503)}


Reader = Callable[[Redis, str, MetricsQuery], Awaitable[dict[str, Any]]]
Answer = TypeVar("Answer", AnalyticsSummary, AnalyticsPopular, AnalyticsTrending)


async def _cached(
    model: type[Answer],
    request: Request,
    settings: AnalyticsSettings,
    read: Reader,
    redis: Redis,
    period: Period | None,
    default: Period,
    start: str | None,
    end: str | None,
    now_ms: int,
    limit: int,
    raw_filter: str | None,
) -> Answer:
    """``read``'s answer for the range the query asks for (a 422 envelope when it is not one), from
    the app's few-seconds cache when a recent one is there; from the sample week
    (``portfolio_analytics.sample``) while it is loaded, with ``sample`` saying which."""
    if period is None and start is None and end is None:
        period = default
    retention = Retention.of(settings)
    span = resolve_range(period, start, end, now_ms, retention.days)
    flt = parse_filter(raw_filter)
    cache: ShortCache | None = getattr(request.app.state, "metrics_cache", None)
    if cache is None:
        cache = request.app.state.metrics_cache = ShortCache(settings.summary_cache_seconds)
    sample = await sample_loaded(redis, settings)
    prefix = keys.sample_prefix(settings.redis_prefix) if sample else settings.redis_prefix

    async def fresh() -> dict[str, Any]:
        if flt is not None and not sample:
            # The filter copies of what was acknowledged so far, before reading them (ADR 14).
            await request.app.state.intake.recorder.fold_all(redis)
        return await read(redis, prefix, MetricsQuery(span, now_ms, limit, retention, flt))

    result: dict[str, Any] = await cache.get(
        (read.__name__, span.period, span.first, span.last, limit, sample, flt), fresh
    )
    answer = await with_titles(getattr(request.app.state, "paper_titles", None), {**result, "sample": sample})
    return model.model_validate(answer)


@router.get(
    "/summary",
    summary="Page views, visits, papers, searches, geography, realtime, time series, and the change "
    "against the previous period",
    responses=RESPONSES,
)
async def get_summary(
    request: Request,
    viewer: DashboardDep,
    redis: RedisDep,
    settings: SettingsDep,
    now_ms: NowMsDep,
    period: PeriodQuery = None,
    start: FromQuery = None,
    to: ToQuery = None,
    limit: LimitQuery = 10,
    filter_: FilterQuery = None,
) -> AnalyticsSummary:
    answer = await _cached(
        AnalyticsSummary, request, settings, summary, redis, period, "7d", start, to, now_ms, limit, filter_
    )
    # The credit the GeoIP database's licence asks of the page that shows its countries (or null).
    # Set here, not cached: it follows the database the service has loaded now.
    attribution = request.app.state.intake.geo.attribution
    credit = GeoAttribution.model_validate(attribution) if attribution is not None else None
    geography = answer.geography.model_copy(update={"attribution": credit})
    return answer.model_copy(update={"geography": geography})


@router.get("/popular", summary="The most viewed papers (with shares) and pages", responses=RESPONSES)
async def get_popular(
    request: Request,
    viewer: DashboardDep,
    redis: RedisDep,
    settings: SettingsDep,
    now_ms: NowMsDep,
    period: PeriodQuery = None,
    start: FromQuery = None,
    to: ToQuery = None,
    limit: LimitQuery = 10,
    filter_: FilterQuery = None,
) -> AnalyticsPopular:
    return await _cached(
        AnalyticsPopular, request, settings, popular, redis, period, "7d", start, to, now_ms, limit, filter_
    )


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
    period: PeriodQuery = None,
    start: FromQuery = None,
    to: ToQuery = None,
    limit: LimitQuery = 10,
    filter_: FilterQuery = None,
) -> AnalyticsTrending:
    return await _cached(
        AnalyticsTrending,
        request,
        settings,
        trending,
        redis,
        period,
        "today",
        start,
        to,
        now_ms,
        limit,
        filter_,
    )
