"""FastAPI dependencies of the analytics routes (``Annotated`` aliases, one per resource)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from portfolio_analytics.config import AnalyticsSettings


def get_app_settings(request: Request) -> AnalyticsSettings:
    settings: AnalyticsSettings = request.app.state.settings
    return settings


def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


SettingsDep = Annotated[AnalyticsSettings, Depends(get_app_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]
