"""FastAPI dependencies of the scraper's routes (``Annotated`` aliases, one per resource)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from portfolio_scraper.config import ScraperSettings


def get_app_settings(request: Request) -> ScraperSettings:
    settings: ScraperSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[ScraperSettings, Depends(get_app_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
