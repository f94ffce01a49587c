"""How far behind the outbox is: for ``/ready`` checks, dashboards and the dispatcher's gauges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class QueryCursor(Protocol):
    """The slice of a DB-API 2 cursor that :func:`outbox_backlog` uses."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...


@dataclass(frozen=True)
class Backlog:
    """Pending (neither delivered nor dead) and dead message counts, and the oldest pending age."""

    pending: int
    dead: int
    oldest_pending_age_seconds: float | None


_BACKLOG = """
SELECT
    count(*) FILTER (WHERE delivered_at IS NULL AND NOT dead),
    count(*) FILTER (WHERE dead),
    EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE delivered_at IS NULL AND NOT dead))
FROM outbox_message
WHERE delivered_at IS NULL
"""


def outbox_backlog(cursor: QueryCursor) -> Backlog:
    """Count the outbox backlog through any DB-API cursor (psycopg 3, Django)."""
    cursor.execute(_BACKLOG)
    row = cursor.fetchone()
    pending, dead, age = row[0], row[1], row[2]
    return Backlog(
        pending=int(pending), dead=int(dead), oldest_pending_age_seconds=None if age is None else float(age)
    )
