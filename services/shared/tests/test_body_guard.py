"""create_service_app caps request bodies and checks service auth before it reads a body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from portfolio_shared.auth import (
    ServicePrincipal,
    TokenAuthenticator,
    generate_keyring,
    issue_token,
    public_keys,
)
from portfolio_shared.auth.fastapi import require_service
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.settings import ServiceSettings

KEYRING = generate_keyring()
MiB = 1024 * 1024


class Item(BaseModel):
    text: str


router = APIRouter()


@router.post("/guarded")
def guarded(
    item: Item, caller: Annotated[ServicePrincipal, Depends(require_service("core"))]
) -> dict[str, Any]:
    return {"caller": caller.caller, "length": len(item.text)}


@router.post("/open")
def open_route(item: Item) -> dict[str, int]:
    return {"length": len(item.text)}


@router.post("/upload")
async def upload(
    request: Request, _: Annotated[ServicePrincipal, Depends(require_service())]
) -> dict[str, int]:
    return {"length": len(await request.body())}


def make_app() -> Any:
    settings = ServiceSettings(service_name="scraper", MAX_REQUEST_BODY_KB=64)
    app = create_service_app(
        service="scraper", settings=settings, title="t", routers=[router], body_limits={"/upload": 2 * MiB}
    )
    app.state.service_authenticator = TokenAuthenticator(audience="scraper", keys=public_keys(KEYRING))
    return app


def bearer(caller: str = "core") -> dict[str, str]:
    token = issue_token(issuer=caller, audience="scraper", key=KEYRING[caller])
    return {"Authorization": f"Bearer {token}"}


async def post(
    path: str, size: int, *, headers: dict[str, str] | None = None, declare: bool = True
) -> tuple[int, dict[str, Any], int]:
    """POST a JSON body of about ``size`` bytes in 64 KiB chunks; return status, body and how many
    bytes the app pulled from the request stream."""
    payload = json.dumps({"text": "x" * max(size - 12, 0)}).encode()
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for start in range(0, len(payload), 65536):
            chunk = payload[start : start + 65536]
            pulled += len(chunk)
            yield chunk

    sent = {"content-type": "application/json", **(headers or {})}
    if declare:
        sent["content-length"] = str(len(payload))
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://scraper") as client:
        response = await client.post(path, content=chunks(), headers=sent)
    # httpx hands the app its first chunk before the app can answer: "read" means more than that.
    return response.status_code, response.json(), max(pulled - 65536, 0)


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
async def test_an_unauthenticated_100_mb_post_is_refused_without_reading_it(declare: bool) -> None:
    status, body, pulled = await post("/guarded", 100 * MiB, declare=declare)
    assert (status, body["error"]["code"], pulled) == (401, "token_missing", 0)


async def test_a_caller_the_route_does_not_allow_is_refused_before_the_body() -> None:
    status, body, pulled = await post("/guarded", 32 * 1024, headers=bearer("scraper"))
    assert (status, body["error"]["code"], pulled) == (403, "caller_not_allowed", 0)


async def test_an_allowed_caller_within_the_cap_gets_through() -> None:
    status, body, _ = await post("/guarded", 32 * 1024, headers=bearer())
    assert (status, body["caller"]) == (200, "core")


async def test_a_declared_body_over_the_cap_is_413_at_once() -> None:
    status, body, pulled = await post("/guarded", 65 * 1024, headers=bearer())
    assert (status, body["error"]["code"], pulled) == (413, "payload_too_large", 0)
    assert body["error"]["details"] == {"max_bytes": 64 * 1024}


async def test_a_streamed_body_over_the_cap_is_413_once_it_passes_it() -> None:
    status, body, pulled = await post("/open", 10 * MiB, declare=False)
    assert (status, body["error"]["code"]) == (413, "payload_too_large")
    assert body["error"]["details"] == {"max_bytes": 64 * 1024}
    assert pulled <= 64 * 1024 + 65536


async def test_a_route_may_take_more_than_the_default_cap() -> None:
    status, body, _ = await post("/upload", MiB, headers=bearer("admin"))
    assert (status, body["length"]) == (200, MiB)
    status, body, _ = await post("/upload", 3 * MiB, headers=bearer("admin"), declare=False)
    assert (status, body["error"]["code"]) == (413, "payload_too_large")
