"""A database session per request for FastAPI routes: put :data:`SessionDep` in the signature.

Needs both the ``fastapi`` and the ``sql`` extras. :func:`database_lifespan` stores
``session_factory(engine)`` on ``app.state.sessions``; the session closes when the response is done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portfolio_shared.sql.engine import create_engine, session_factory


def database_lifespan(database_url: str) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that opens the engine (``app.state.engine``, ``app.state.sessions``) and disposes it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(database_url)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    return lifespan


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session from ``app.state.sessions``, closed after the request."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

__all__ = ["SessionDep", "database_lifespan", "get_session"]
