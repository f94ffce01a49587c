"""``POST /events/pageview|click|search|engagement|batch``: the browser's beacon endpoints.

Bodies are read by hand rather than as a FastAPI body parameter because ``navigator.sendBeacon``
posts JSON as ``text/plain`` (no CORS preflight) and because the size limit must hold before the
whole body is buffered. Every request answers 202, including dropped ones, which carry
``X-Analytics-Dropped: opted_out|bot|rate_limited``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import ValidationError
from starlette.datastructures import State
from starlette.types import Receive, Scope

from portfolio_analytics.deps import now_ms_of
from portfolio_analytics.events.intake import Context, Intake
from portfolio_analytics.events.schemas import ADAPTERS, BatchIn, EventIn
from portfolio_shared.errors import BadRequest, PayloadTooLarge, PortfolioError, ValidationFailed
from portfolio_shared.errors.fastapi import error_responses

MAX_BODY = 16 * 1024
DROPPED_HEADER = "X-Analytics-Dropped"
ACCEPTED_TYPES = ("application/json", "text/plain")


class UnsupportedMediaType(PortfolioError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Send the event as application/json or text/plain."


router = APIRouter(prefix="/events", tags=["events"])


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name, the first of repeated ones (as Starlette reads them)."""
    return {key.decode("latin-1"): value.decode("latin-1") for key, value in reversed(scope["headers"])}


async def read_body(receive: Receive, headers: Mapping[str, str]) -> bytes:
    """The whole body, refused (415/413) before it is buffered when its type or size is wrong."""
    content_type = headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(details={"accepted": list(ACCEPTED_TYPES)})
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge(max_bytes=MAX_BODY)
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # A beacon cut off as its page closed: nothing arrived whole, nothing to record or report.
            raise BadRequest("The client left before its body arrived.", code="client_disconnected")
        chunk: bytes = message.get("body", b"")
        body += chunk
        if len(body) > MAX_BODY:
            raise PayloadTooLarge(max_bytes=MAX_BODY)
        if not message.get("more_body", False):
            return body


def parse(name: str, body: bytes) -> list[EventIn]:
    try:
        parsed = ADAPTERS[name].validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        invalid = next((e for e in errors if e["type"] == "json_invalid"), None)
        if invalid is not None:
            raise BadRequest("The request body is not valid JSON.", code="invalid_json") from None
        details = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]
        raise ValidationFailed(details={"errors": details}) from None
    return list(parsed.events) if isinstance(parsed, BatchIn) else [parsed]


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its ``$defs`` substituted in place, for an inline OpenAPI request body."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]))
            resolved = {key: resolve(value) for key, value in node.items()}
            discriminator = resolved.get("discriminator")
            if isinstance(discriminator, dict):
                # Its mapping points into the removed $defs; the oneOf lists the same variants.
                discriminator.pop("mapping", None)
            return resolved
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


async def ingest(
    name: str, state: State, headers: Mapping[str, str], peer: str | None, receive: Receive
) -> tuple[bytes, str | None]:
    """One ingestion request: read and parse the body, hand the events to the intake, pass the
    recorded ones to the live feed. The 202 answer's body and the drop reason, if dropped; a bad
    request raises the error to answer with."""
    events = parse(name, await read_body(receive, headers))
    intake: Intake = state.intake
    context = Context(peer=peer, headers=headers, now_ms=now_ms_of(state))
    outcome = await intake.accept(state.redis, events, context)
    if outcome.dropped:
        return f'{{"accepted":0,"dropped":"{outcome.dropped}"}}'.encode(), outcome.dropped
    feed = getattr(state, "realtime", None)
    if feed is not None:
        feed.notify(outcome.recorded)
    return f'{{"accepted":{len(outcome.recorded)}}}'.encode(), None


async def receive(name: str, request: Request) -> Response:
    """:func:`ingest` behind the FastAPI app's routes, answered with a Response."""
    client = request.client
    body, dropped = await ingest(
        name,
        request.app.state,
        request_headers(request.scope),
        client.host if client else None,
        request.receive,
    )
    return Response(
        body,
        status_code=202,
        media_type="application/json",
        headers={DROPPED_HEADER: dropped} if dropped else None,
    )


ROUTES = {
    "pageview": "A page was viewed (`url` or `path`, `referrer`, `title`)",
    "click": "A click: a paper, a share, an outbound link (`target`, `kind`, `search_id`)",
    "search": "A search (`query`, `results_count`, `search_id`)",
    "engagement": "Time spent on a page, sent when it is hidden (`engaged_ms`)",
    "batch": 'Up to 100 events of any type (`{"events": [...]}`)',
}


def _documented(name: str, summary: str) -> None:
    schema = _inline(ADAPTERS[name].json_schema())

    async def endpoint(request: Request) -> Response:
        return await receive(name, request)

    router.add_api_route(
        f"/{name}",
        endpoint,
        methods=["POST"],
        status_code=202,
        summary=summary,
        response_class=Response,
        responses={
            202: {
                "description": "Accepted (or dropped: see the `X-Analytics-Dropped` header).",
                "content": {"application/json": {"example": {"accepted": 1}}},
            },
            **error_responses(400, 413, 422, 503),
            415: {"description": "Neither application/json nor text/plain."},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": schema}, "text/plain": {"schema": schema}},
            }
        },
        name=f"events_{name}",
    )


for _name, _summary in ROUTES.items():
    _documented(_name, _summary)


def install(app: FastAPI) -> None:
    """Serve and document ``/events/*`` on ``app``. Served behind the whole stack, these routes
    answer requests made to the FastAPI app itself; beacons from outside take the short path in
    front of it (``api/short_path.py``), which calls the same :func:`receive`."""
    app.include_router(router)
