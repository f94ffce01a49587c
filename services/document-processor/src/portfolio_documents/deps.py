"""FastAPI dependencies of the document processor's routes (``Annotated`` aliases, one per resource)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portfolio_documents.config import DocumentsSettings
from portfolio_shared.sql.fastapi import SessionDep


def get_app_settings(request: Request) -> DocumentsSettings:
    settings: DocumentsSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[DocumentsSettings, Depends(get_app_settings)]

__all__ = ["SessionDep", "SettingsDep", "get_app_settings"]
