"""FastAPI dependencies of the analytics routes (``Annotated`` aliases, one per resource).

All ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop per
dependency per request for what is an attribute read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis
from starlette.datastructures import State

from portfolio_analytics.config import AnalyticsSettings


async def get_app_settings(request: Request) -> AnalyticsSettings:
    settings: AnalyticsSettings = request.app.state.settings
    return settings


async def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


SettingsDep = Annotated[AnalyticsSettings, Depends(get_app_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]


def now_ms_of(state: State) -> int:
    """Epoch milliseconds from ``app.state.clock`` (seconds, like ``time.time``), which tests
    replace to script days, sessions and midnights without sleeping."""
    return int(state.clock() * 1000)


async def get_now_ms(request: Request) -> int:
    return now_ms_of(request.app.state)


NowMsDep = Annotated[int, Depends(get_now_ms)]
