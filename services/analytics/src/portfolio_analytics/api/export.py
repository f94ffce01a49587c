"""``GET /export?date=YYYY-MM-DD``: one UTC day's raw events as NDJSON, for BigQuery and backups.

Each line is one recorded event exactly as ingestion stored it (no visitor IP, no cookie: the
visitor id is the day's salted hash) plus ``event_id``, the Redis stream id, which is unique and
orders the day. ``services/analytics/bigquery_schema.json`` is the table schema for
``bq load --source_format=NEWLINE_DELIMITED_JSON``; the tests check every exported line against it.

The day's stream is read with ``XRANGE`` in pages while the response streams, so memory stays flat
for a day of millions of events. The first page is read before the response starts: Redis being
down is then a 503 envelope, not a truncated 200.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.deps import RedisDep, SettingsDep
from portfolio_analytics.metrics.periods import parse_day
from portfolio_shared.auth import ServicePrincipal
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors.fastapi import error_responses

router = APIRouter(tags=["export"])

#: Who may export raw events.
EXPORT_CALLERS = ("core", "admin")
#: Stream entries read per ``XRANGE`` call.
PAGE_SIZE = 1000
NDJSON = "application/x-ndjson"

StreamPage = list[tuple[str, dict[str, str]]]


def export_line(entry_id: str, fields: dict[str, str]) -> bytes | None:
    """One NDJSON line for a stream entry, or None for an entry that holds no event object."""
    try:
        event: Any = json.loads(fields.get("e", ""))
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    event["event_id"] = entry_id
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def _pages(redis: Redis, key: str, first: StreamPage) -> AsyncIterator[bytes]:
    page = first
    while page:
        yield b"".join(line for entry_id, fields in page if (line := export_line(entry_id, fields)))
        if len(page) < PAGE_SIZE:
            return
        # Exclusive start: the page after the last id read.
        page = cast(StreamPage, await redis.xrange(key, min=f"({page[-1][0]}", max="+", count=PAGE_SIZE))


@router.get(
    "/export",
    summary="One UTC day's raw events as NDJSON (service auth: core, admin)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {NDJSON: {}},
            "description": "One JSON event a line (bigquery_schema.json); empty for a day without events.",
        },
        **SERVICE_AUTH_RESPONSES,
        **error_responses(422, 503),
    },
)
async def export(
    redis: RedisDep,
    settings: SettingsDep,
    _caller: Annotated[ServicePrincipal, Depends(require_service(*EXPORT_CALLERS))],
    day: Annotated[str, Query(alias="date", description="The UTC day, YYYY-MM-DD.")],
) -> StreamingResponse:
    requested = parse_day(day)
    key = keys.raw_stream(settings.redis_prefix, requested.isoformat())
    first = cast(StreamPage, await redis.xrange(key, min="-", max="+", count=PAGE_SIZE))
    return StreamingResponse(
        _pages(redis, key, first),
        media_type=NDJSON,
        headers={"Content-Disposition": f'attachment; filename="events-{requested.isoformat()}.ndjson"'},
    )
