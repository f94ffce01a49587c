"""A database session per request for FastAPI routes: put :data:`SessionDep` in the signature.

Needs both the ``fastapi`` and the ``sql`` extras. The app's lifespan stores
``session_factory(engine)`` on ``app.state.sessions``; the session closes when the response is done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session from ``app.state.sessions``, closed after the request."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

__all__ = ["SessionDep", "get_session"]
