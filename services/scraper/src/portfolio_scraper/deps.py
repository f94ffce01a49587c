"""FastAPI dependencies of the scraper's routes (``Annotated`` aliases, one per resource)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portfolio_scraper.config import ScraperSettings
from portfolio_shared.sql.fastapi import SessionDep


def get_app_settings(request: Request) -> ScraperSettings:
    settings: ScraperSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[ScraperSettings, Depends(get_app_settings)]

__all__ = ["SessionDep", "SettingsDep", "get_app_settings"]
