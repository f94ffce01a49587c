"""The FastAPI dependency: 401 without or with a bad token, 403 for a caller not allowed, 200 otherwise."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from test_auth_support import authenticator
from test_auth_support import bearer as signed_bearer

from portfolio_shared.auth import ServicePrincipal, SigningKey, TokenAuthenticator, issue_token
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, get_authenticator, require_service
from portfolio_shared.errors import PortfolioError


def make_app(*, install: bool = True) -> FastAPI:
    app = FastAPI()
    if install:
        app.state.service_authenticator = authenticator("scraper")

    # The services install the shared handlers; this minimal one renders the same envelope.
    @app.exception_handler(PortfolioError)
    async def envelope(request: Request, exc: PortfolioError) -> JSONResponse:
        return JSONResponse(exc.to_envelope(), status_code=exc.status, headers=exc.headers)

    @app.post("/scrape", responses=SERVICE_AUTH_RESPONSES)
    async def scrape(
        caller: Annotated[ServicePrincipal, Depends(require_service("core", "scheduler"))], request: Request
    ) -> dict[str, str]:
        assert request.state.service_principal is caller
        return {"caller": caller.caller}

    @app.get("/export")
    async def export(caller: Annotated[ServicePrincipal, Depends(require_service())]) -> dict[str, str]:
        return {"caller": caller.caller}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def bearer(issuer: str, audience: str = "scraper") -> dict[str, str]:
    return signed_bearer(issuer, audience)


async def call(app: FastAPI, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://scraper.test"
    ) as client:
        return await client.request(method, path, headers=headers)


async def test_no_token_is_401_token_missing() -> None:
    response = await call(make_app(), "POST", "/scrape")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_missing"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "token_malformed"),
        ({"Authorization": "Bearer not-a-jwt"}, "token_malformed"),
        (bearer("core", audience="documents"), "token_wrong_audience"),
        (bearer("stranger"), "token_unknown_issuer"),
    ],
)
async def test_a_bad_token_is_401_with_its_code(headers: dict[str, str], code: str) -> None:
    response = await call(make_app(), "POST", "/scrape", headers)
    assert (response.status_code, response.json()["error"]["code"]) == (401, code)


async def test_a_known_caller_not_allowed_here_is_403() -> None:
    response = await call(make_app(), "POST", "/scrape", bearer("analytics"))
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "caller_not_allowed",
        "message": "service 'analytics' may not call this endpoint",
        "details": {"caller": "analytics", "allowed": ["core", "scheduler"]},
    }


@pytest.mark.parametrize("caller", ["core", "scheduler"])
async def test_an_allowed_caller_gets_through(caller: str) -> None:
    response = await call(make_app(), "POST", "/scrape", bearer(caller))
    assert (response.status_code, response.json()) == (200, {"caller": caller})


async def test_no_named_callers_means_any_known_service() -> None:
    response = await call(make_app(), "GET", "/export", bearer("analytics"))
    assert (response.status_code, response.json()) == (200, {"caller": "analytics"})
    assert (await call(make_app(), "GET", "/export")).status_code == 401


async def test_the_authenticator_can_be_overridden() -> None:
    app = make_app(install=False)
    other = SigningKey.generate()
    app.dependency_overrides[get_authenticator] = lambda: TokenAuthenticator(
        audience="scraper", keys={"core": [other.public()]}
    )
    token = {"Authorization": f"Bearer {issue_token(issuer='core', audience='scraper', key=other)}"}
    assert (await call(app, "POST", "/scrape", token)).status_code == 200
    assert (await call(app, "POST", "/scrape", bearer("core"))).json()["error"][
        "code"
    ] == "token_invalid_signature"


async def test_an_app_without_an_authenticator_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="service_authenticator"):
        await call(make_app(install=False), "POST", "/scrape", bearer("core"))


def test_openapi_shows_the_bearer_scheme_on_protected_routes_only() -> None:
    schema = make_app().openapi()
    assert schema["components"]["securitySchemes"]["ServiceToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A service token (EdDSA or ES256 JWT in token mode, Google ID token in oidc mode).",
    }
    assert schema["paths"]["/scrape"]["post"]["security"] == [{"ServiceToken": []}]
    assert schema["paths"]["/export"]["get"]["security"] == [{"ServiceToken": []}]
    assert "security" not in schema["paths"]["/health"]["get"]
    documented = schema["paths"]["/scrape"]["post"]["responses"]
    assert documented["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"
    }
    assert "403" in documented
