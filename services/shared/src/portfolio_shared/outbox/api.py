"""The outbox routes a FastAPI service mounts so that core's admin can show and steer its outbox:
``GET /outbox/messages`` (counts and undelivered messages, ``?state=pending|failing|dead``),
``POST /outbox/messages/{msg_id}/retry`` (due now, a fresh attempt budget, dead ones revived) and
``DELETE /outbox/messages/{msg_id}`` (discard). Service auth: core (its admin) or an operator.

Needs the ``fastapi`` extra. The service's database is ``app.state.settings.database_url``; each
request opens a short-lived connection (the owner's clicks are rare) and runs the SQL of
:mod:`portfolio_shared.outbox.inspect`, the same that core runs on its own outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors import ServiceUnavailable
from portfolio_shared.errors.fastapi import error_responses
from portfolio_shared.outbox.inspect import Cursor, discard, outbox_page, retry_now
from portfolio_shared.outbox.metrics import CursorFactory, psycopg_cursors
from portfolio_shared.schemas._base import PRINTABLE_ID_PATTERN
from portfolio_shared.schemas.outbox import (
    MAX_OUTBOX_PAGE,
    OUTBOX_MESSAGES_PATH,
    OutboxMessage,
    OutboxPage,
    OutboxState,
)

#: Who may read and steer a service's outbox: core (the owner's admin) and an operator.
CALLERS = ("core", "admin")
#: A bound past any real backlog that keeps the offset within Postgres' bigint (larger: 422).
MAX_OFFSET = 100_000_000

MsgIdPath = Annotated[str, Path(min_length=1, max_length=255, pattern=PRINTABLE_ID_PATTERN)]


def _cursors(request: Request) -> CursorFactory:
    return psycopg_cursors(str(request.app.state.settings.database_url))


Cursors = Annotated[CursorFactory, Depends(_cursors)]


@contextmanager
def _cursor(cursors: CursorFactory) -> Iterator[Cursor]:
    try:
        with cursors() as cur:
            yield cur  # type: ignore[misc]
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable("The outbox's database is unavailable.", code="outbox_unavailable") from exc


def outbox_router(sender: str) -> APIRouter:
    """The routes over ``sender``'s outbox table (``sender`` names it in the answers)."""
    router = APIRouter(
        tags=["outbox"],
        dependencies=[Depends(require_service(*CALLERS))],
        responses=SERVICE_AUTH_RESPONSES,
    )

    @router.get(
        OUTBOX_MESSAGES_PATH,
        summary="Undelivered outbox messages (pending, failing with the last error, dead) and their counts",
        response_model=OutboxPage,
        responses=error_responses(422, 503),
    )
    def list_messages(
        cursors: Cursors,
        state: OutboxState | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_OUTBOX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> OutboxPage:
        with _cursor(cursors) as cur:
            return outbox_page(cur, sender=sender, state=state, limit=limit, offset=offset)

    @router.post(
        f"{OUTBOX_MESSAGES_PATH}/{{msg_id:path}}/retry",
        summary="Deliver an undelivered message now (a dead one too), with a fresh attempt budget",
        response_model=OutboxMessage,
        responses=error_responses(404, 409, 422, 503),
    )
    def retry_message(msg_id: MsgIdPath, cursors: Cursors) -> OutboxMessage:
        with _cursor(cursors) as cur:
            return retry_now(cur, msg_id)

    @router.delete(
        f"{OUTBOX_MESSAGES_PATH}/{{msg_id:path}}",
        summary="Discard an undelivered message and its recorded attempts",
        status_code=204,
        responses=error_responses(404, 409, 422, 503),
    )
    def discard_message(msg_id: MsgIdPath, cursors: Cursors) -> Response:
        with _cursor(cursors) as cur:
            discard(cur, msg_id)
        return Response(status_code=204)

    return router
