"""Every failure of a FastAPI app answers the JSON envelope, never HTML or a bare string."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from portfolio_shared.errors import NotFound, RateLimited, Unauthorized
from portfolio_shared.errors.fastapi import (
    ERROR_RESPONSES,
    INTERNAL_ERROR_MESSAGE,
    document_error_envelope,
    error_responses,
    install_error_handlers,
)


class Thing(BaseModel):
    name: str
    size: int


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    document_error_envelope(app)

    @app.get("/things/{thing_id}", responses=error_responses(404))
    async def get_thing(thing_id: int) -> dict[str, int]:
        if thing_id == 7:
            raise NotFound("Thing 7 does not exist.", details={"thing_id": 7})
        return {"thing_id": thing_id}

    @app.post("/things", status_code=201)
    async def create_thing(thing: Thing) -> Thing:
        return thing

    @app.get("/limited")
    async def limited() -> None:
        raise RateLimited(retry_after=30)

    @app.get("/private")
    async def private() -> None:
        raise Unauthorized(headers={"WWW-Authenticate": "Bearer"})

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, detail={"brew": "tea"})

    @app.get("/conflict")
    async def conflict() -> None:
        raise HTTPException(409, detail="Already there.")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # ServerErrorMiddleware re-raises after answering; the response is what a client sees.
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


async def test_portfolio_error_keeps_status_code_message_and_details(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/7")
    assert response.status_code == 404
    error = error_of(response)
    assert error == {"code": "not_found", "message": "Thing 7 does not exist.", "details": {"thing_id": 7}}


async def test_portfolio_error_headers_are_sent(client: httpx.AsyncClient) -> None:
    limited = await client.get("/limited")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "30"
    assert error_of(limited)["code"] == "rate_limited"

    private = await client.get("/private")
    assert private.status_code == 401
    assert private.headers["www-authenticate"] == "Bearer"
    assert error_of(private)["code"] == "unauthorized"


async def test_unknown_route_is_a_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "/nowhere" in error["message"]


async def test_wrong_method_is_a_405_envelope_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/things/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert error_of(response)["code"] == "method_not_allowed"


async def test_other_http_exceptions_get_the_generic_code(client: httpx.AsyncClient) -> None:
    teapot = await client.get("/teapot")
    assert teapot.status_code == 418
    error = error_of(teapot)
    assert error["code"] == "client_error"
    assert error["details"] == {"detail": {"brew": "tea"}}

    conflict = await client.get("/conflict")
    assert conflict.status_code == 409
    assert error_of(conflict) == {"code": "conflict", "message": "Already there.", "details": {}}


async def test_validation_error_lists_fields_without_echoing_input(client: httpx.AsyncClient) -> None:
    huge = "x" * 200_000
    response = await client.post("/things", json={"size": huge})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    fields = {tuple(e["loc"]): e for e in error["details"]["errors"]}
    assert set(fields) == {("body", "name"), ("body", "size")}
    assert fields[("body", "name")]["type"] == "missing"
    assert fields[("body", "size")]["type"] == "int_parsing"
    assert all(set(e) == {"loc", "msg", "type"} for e in fields.values())
    assert huge not in response.text
    assert len(response.content) < 2_000


async def test_path_parameter_validation_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/abc")
    assert response.status_code == 422
    assert error_of(response)["details"]["errors"][0]["loc"] == ["path", "thing_id"]


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b'{"name": "a", "size": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_json"
    assert error["details"]["position"] == 22


async def test_valid_request_still_works(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "a", "size": 3})
    assert response.status_code == 201
    assert response.json() == {"name": "a", "size": 3}


async def test_unexpected_exception_is_a_500_without_the_message(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="portfolio.errors"):
        response = await client.get("/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error == {"code": "internal_error", "message": INTERNAL_ERROR_MESSAGE, "details": {}}
    assert "hunter2" not in response.text
    logged = [r for r in caplog.records if r.name == "portfolio.errors"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert logged[0].exc_info[0] is RuntimeError


async def test_openapi_documents_the_envelope(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    envelope_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    get_thing = schema["paths"]["/things/{thing_id}"]["get"]["responses"]
    assert get_thing["404"]["content"]["application/json"]["schema"] == envelope_ref
    # FastAPI's own 422 schema is replaced by the envelope, and every operation documents a 500.
    assert get_thing["422"]["content"]["application/json"]["schema"] == envelope_ref
    assert get_thing["500"]["content"]["application/json"]["schema"] == envelope_ref
    create = schema["paths"]["/things"]["post"]["responses"]
    assert create["422"]["content"]["application/json"]["schema"] == envelope_ref
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


def test_error_responses_pick_documented_statuses() -> None:
    picked = error_responses(401, 503)
    assert set(picked) == {401, 503}
    assert picked[503] is ERROR_RESPONSES[503]
    with pytest.raises(KeyError):
        error_responses(299)
