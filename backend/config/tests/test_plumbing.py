"""Core's shared plumbing: health, readiness, metrics, request ids and JSON errors everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_answers_without_touching_dependencies(api: APIClient) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "core"}


def test_probes_answer_whatever_the_host_header_while_the_api_still_checks_it(
    api: APIClient, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["backend.example.org"]
    # Cloud Run's probes and a metrics sidecar reach the container by address, not by public name.
    for path in ("/health", "/ready", "/internal/metrics"):
        assert api.get(path, HTTP_HOST="10.8.0.7:8080").status_code == 200, path
    assert api.get("/api/profile/", HTTP_HOST="10.8.0.7:8080").status_code == 400


def test_ready_checks_the_real_database(api: APIClient) -> None:
    response = api.get("/ready")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["postgres"]["ok"] is True


def test_ready_is_503_with_the_envelope_when_the_database_is_down(
    api: APIClient, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from config import readiness
    from portfolio_shared.health import postgres_check

    monkeypatch.setattr(
        readiness, "database", lambda: postgres_check("postgresql://postgres@127.0.0.1:1/none")
    )
    response = api.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "not_ready"
    assert body["error"]["details"]["checks"]["postgres"]["ok"] is False


def test_metrics_count_requests_by_route_template(api: APIClient) -> None:
    api.get("/health")
    text = api.get("/internal/metrics").content.decode()
    assert 'http_requests_total{method="GET",route="/health",service="core",status="200"}' in text


def test_request_id_is_echoed_when_sane_and_minted_otherwise(api: APIClient) -> None:
    assert api.get("/health", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    minted = api.get("/health", headers={"X-Request-ID": "bad id with spaces"})["X-Request-ID"]
    assert minted and minted != "bad id with spaces"


@pytest.mark.parametrize("path", ["/nope", "/api/nope/", "/api/webhooks/nope/"])
def test_unknown_routes_answer_the_json_envelope(api: APIClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_answers_405_envelope(api: APIClient) -> None:
    response = api.get("/api/webhooks/scraper-complete/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_openapi_schema_lists_the_webhook_endpoints(api: APIClient) -> None:
    response = api.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert "/api/webhooks/scraper-complete/" in response.json()["paths"]


def test_the_spa_origin_may_read_the_api_and_only_the_api(api: APIClient) -> None:
    spa = {"Origin": "http://127.0.0.1:5173"}
    allowed = api.get("/api/schema/", headers={**spa, "Accept": "application/json"})
    assert allowed["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    other = api.get("/api/schema/", headers={"Origin": "https://evil.example", "Accept": "application/json"})
    assert "Access-Control-Allow-Origin" not in other
    # The rest of core is not for scripts on other origins, the SPA's included.
    for path in ("/health", "/internal/metrics", "/sitemap.xml"):
        assert "Access-Control-Allow-Origin" not in api.get(path, headers=spa), path
    preflight = api.options("/health", headers={**spa, "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in preflight
