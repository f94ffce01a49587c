"""API quality: every operation documents its errors with the envelope, Swagger UI works, production
settings pass ``check --deploy``, and the models match their migrations."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from portfolio_shared.auth import SigningKey

pytestmark = pytest.mark.django_db

BACKEND = Path(__file__).resolve().parents[2]
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def schema(api: APIClient) -> dict:  # type: ignore[type-arg]
    # /api/schema/ is page-cached; a query string of its own reads this code's schema, not a cached one.
    response = api.get("/api/schema/", {"format": "json", "fresh": uuid.uuid4().hex})
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_its_errors_with_the_envelope(api: APIClient) -> None:
    document = schema(api)
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["required"]) == {"error"}
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(operations) >= 3
    for path, method, operation in operations:
        errors = {status: r for status, r in operation["responses"].items() if status[0] in "45"}
        assert "500" in errors, f"{method.upper()} {path} documents no 500"
        for status, response in errors.items():
            ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
            assert ref == ENVELOPE_REF, f"{method.upper()} {path} {status} is not the envelope"
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in errors, f"{method.upper()} {path} has path parameters but no 404"


def test_the_schema_is_valid_openapi_and_generates_without_warnings(tmp_path: Path) -> None:
    # --validate checks the document against the OpenAPI 3.0 JSON Schema; --fail-on-warn fails on
    # any view drf-spectacular could not document.
    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out)
    )
    assert out.stat().st_size > 0


def test_the_views_own_error_responses_keep_their_descriptions(api: APIClient) -> None:
    status = schema(api)["paths"]["/api/papers/scrape-status/"]["get"]["responses"]
    assert "down or did not answer" in status["503"]["description"]
    assert status["503"]["content"]["application/json"]["schema"]["$ref"] == ENVELOPE_REF


def test_swagger_ui_is_served_without_a_cdn(api: APIClient) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn." not in page


def test_production_settings_pass_check_deploy_without_warnings() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ENVIRONMENT": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "SERVICE_SIGNING_KEY": SigningKey.generate().text(),
        "SERVICE_CALLER_KEYS_SCRAPER": SigningKey.generate().public().text(),
        "WEBHOOK_SECRETS_SCRAPER": secrets.token_urlsafe(32),
        "WEBHOOK_SECRETS_DOCUMENTS": secrets.token_urlsafe(32),
        "WEBHOOK_SECRETS_CORE": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "core.example.org",
        "ALLOWED_ORIGINS": "https://portfolio.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_models_match_their_migrations() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
