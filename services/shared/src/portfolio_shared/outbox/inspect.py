"""The owner's view of an outbox: list undelivered messages, retry one now, discard one.

Plain SQL through any DB-API cursor whose paramstyle is ``%(name)s`` (psycopg 3, Django's
``connection.cursor()``), so core's admin reads its own outbox with the same code that the scraper's
and the document processor's ``/outbox/messages`` routes (:mod:`portfolio_shared.outbox.api`) run.

"Retry now" makes a pending, failing or dead message due at once with a fresh attempt budget (a dead
one comes back to life); "discard" deletes it with its attempts. Neither touches a message a
dispatcher holds at that moment (409 ``outbox_message_in_flight``) or one already delivered (409
``outbox_message_delivered``).
"""

from __future__ import annotations

from typing import Any, Protocol

from portfolio_shared.errors import Conflict, NotFound
from portfolio_shared.schemas.outbox import OutboxCounts, OutboxMessage, OutboxPage, OutboxState


class Cursor(Protocol):
    """The slice of a DB-API 2 cursor used here."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


#: A message's state, as SQL over ``outbox_message`` (delivered rows are never asked about).
_STATE = """CASE WHEN dead THEN 'dead'
    WHEN last_error IS NOT NULL OR last_status IS NOT NULL THEN 'failing'
    ELSE 'pending' END"""

_COUNTS = f"""
SELECT {_STATE} AS state, count(*) FROM outbox_message WHERE delivered_at IS NULL GROUP BY 1
"""  # noqa: S608 - constant fragments only

#: A dispatcher holds the message right now (its lease has not run out).
_IN_FLIGHT = "locked_by IS NOT NULL AND available_at > now()"

_COLUMNS = f"""msg_id, {_STATE}, kind, destination, method, path, event_type, created_at,
    CASE WHEN dead THEN NULL ELSE available_at END,
    attempts, {_IN_FLIGHT}, last_status, last_error"""

_PAGE = f"""
SELECT {_COLUMNS} FROM outbox_message
WHERE delivered_at IS NULL AND (%(state)s::text IS NULL OR {_STATE} = %(state)s::text)
ORDER BY created_at, id
LIMIT %(limit)s OFFSET %(offset)s
"""  # noqa: S608 - constant fragments only

_ONE = f"SELECT {_COLUMNS}, delivered_at IS NOT NULL FROM outbox_message WHERE msg_id = %(msg_id)s"  # noqa: S608

#: The undelivered message ``msg_id`` that no dispatcher holds: what retry and discard may touch.
_STEERABLE = f"msg_id = %(msg_id)s AND delivered_at IS NULL AND NOT ({_IN_FLIGHT})"

_RETRY = f"""
UPDATE outbox_message
SET available_at = now(), attempts = 0, dead = false, locked_by = NULL
WHERE {_STEERABLE}
RETURNING msg_id
"""  # noqa: S608 - constant fragments only

_DISCARD = f"DELETE FROM outbox_message WHERE {_STEERABLE} RETURNING msg_id"  # noqa: S608 - constant fragments

_FIELDS = (
    "msg_id",
    "state",
    "kind",
    "destination",
    "method",
    "path",
    "event_type",
    "created_at",
    "next_attempt_at",
    "attempts",
    "in_flight",
    "last_status",
    "last_error",
)


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage.model_validate(dict(zip(_FIELDS, row, strict=False)))


def outbox_page(
    cursor: Cursor, *, sender: str, state: OutboxState | None = None, limit: int = 50, offset: int = 0
) -> OutboxPage:
    """The counts by state and one page of undelivered messages (``state``: only those), oldest first."""
    cursor.execute(_COUNTS)
    counts = {str(state_): int(n) for state_, n in cursor.fetchall()}
    cursor.execute(_PAGE, {"state": state, "limit": limit, "offset": offset})
    results = [_message(row) for row in cursor.fetchall()]
    total = counts.get(state, 0) if state else sum(counts.values())
    return OutboxPage(sender=sender, counts=OutboxCounts(**counts), count=total, results=results)


def _not_found(msg_id: str) -> NotFound:
    return NotFound(f"No outbox message {msg_id!r}.", code="outbox_message_not_found")


def _check_id(msg_id: str) -> None:
    """An id Postgres' text cannot hold (a NUL byte, from core's admin URL) names no message."""
    if "\x00" in msg_id:
        raise _not_found(msg_id)


def _refusal(cursor: Cursor, msg_id: str, doing: str) -> Exception:
    cursor.execute(_ONE, {"msg_id": msg_id})
    row = cursor.fetchone()
    if row is None:
        return _not_found(msg_id)
    if row[-1]:
        return Conflict(
            f"Outbox message {msg_id!r} was delivered; there is nothing to {doing}.",
            code="outbox_message_delivered",
        )
    return Conflict(
        f"A dispatcher is delivering outbox message {msg_id!r} right now; try again in a moment.",
        code="outbox_message_in_flight",
    )


def retry_now(cursor: Cursor, msg_id: str) -> OutboxMessage:
    """Make ``msg_id`` due now with a fresh attempt budget (dead ones too); return it as it is now.

    Raises ``NotFound`` for an unknown id, ``Conflict`` when it was delivered or is in flight.
    """
    _check_id(msg_id)
    cursor.execute(_RETRY, {"msg_id": msg_id})
    if cursor.fetchone() is None:
        raise _refusal(cursor, msg_id, "retry")
    cursor.execute(_ONE, {"msg_id": msg_id})
    return _message(cursor.fetchone())


def discard(cursor: Cursor, msg_id: str) -> None:
    """Delete the undelivered message ``msg_id`` and its attempts.

    Raises ``NotFound`` for an unknown id, ``Conflict`` when it was delivered or is in flight.
    """
    _check_id(msg_id)
    cursor.execute(_DISCARD, {"msg_id": msg_id})
    if cursor.fetchone() is None:
        raise _refusal(cursor, msg_id, "discard")
