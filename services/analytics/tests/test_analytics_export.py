"""``GET /export?date=``: events recorded through the real ingestion come back as NDJSON, every line
valid against ``bigquery_schema.json`` (what ``bq load --source_format=NEWLINE_DELIMITED_JSON``
would be given), in order, across XRANGE pages; service auth; 422 for a bad date; empty for a quiet day."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REDIS_URL, TEST_KEYS, TEST_KEYS_ENV, delete_prefix

from portfolio_analytics.api import export
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.main import create_app
from portfolio_shared.auth import issue_token
from portfolio_shared.contracts import ANALYTICS_DASHBOARD_AUDIENCE

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "bigquery_schema.json"
#: A fixed clock (2026-11-28 15:30 UTC) so the export's day is known.
NOW = datetime(2026, 11, 28, 15, 30, tzinfo=UTC).timestamp()
DAY = "2026-11-28"
PEER_IP = "203.0.113.77"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def token(caller: str = "core") -> dict[str, str]:
    return {
        "Authorization": "Bearer " + issue_token(issuer=caller, audience="analytics", key=TEST_KEYS[caller])
    }


@pytest.fixture
async def app() -> AsyncIterator[Any]:
    prefix = f"test-export-{uuid.uuid4().hex[:8]}"
    settings = AnalyticsSettings(
        REDIS_URL=REDIS_URL, ENVIRONMENT="test", **TEST_KEYS_ENV, ANALYTICS_REDIS_PREFIX=prefix
    )
    application = create_app(settings)
    api = application.other_asgi_app
    api.state.clock = lambda: NOW
    try:
        async with api.router.lifespan_context(api):
            yield application
    finally:
        delete_prefix(REDIS_URL, prefix)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(PEER_IP, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://analytics", headers={"User-Agent": BROWSER}
    ) as c:
        yield c


async def record(client: httpx.AsyncClient, kind: str, body: dict[str, Any]) -> None:
    response = await client.post(f"/events/{kind}", json=body)
    assert response.status_code == 202, response.text
    assert "x-analytics-dropped" not in response.headers


#: The types :func:`record_one_of_each` records, in order.
RECORDED_TYPES = ["pageview", "click", "search", "engagement", "pageview", "click"]


async def record_one_of_each(client: httpx.AsyncClient) -> int:
    await record(
        client,
        "pageview",
        {
            "url": "https://example.org/papers?x=1",
            "referrer": "https://news.example.com/a",
            "title": "Papers",
        },
    )
    await record(
        client,
        "click",
        {"path": "/papers", "target": "2401.00001", "kind": "paper", "props": {"topics": ["LLM", "rag"]}},
    )
    await record(
        client,
        "search",
        {"path": "/papers", "query": "  Retrieval  Augmented ", "results_count": 12, "search_id": "s-1"},
    )
    await record(client, "engagement", {"path": "/papers", "engaged_ms": 4200})
    await record(
        client,
        "batch",
        {
            "events": [
                {"type": "pageview", "path": "/"},
                {"type": "click", "target": "https://x.org", "kind": "outbound"},
            ]
        },
    )
    return 6


BIGQUERY_TYPES = {
    "STRING": lambda v: isinstance(v, str),
    "INTEGER": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "TIMESTAMP": lambda v: isinstance(v, str) and datetime.fromisoformat(v).tzinfo is not None,
    "JSON": lambda v: isinstance(v, dict | list | str | int | float | bool),
}


def schema_violations(line: dict[str, Any], schema: list[dict[str, Any]]) -> list[str]:
    """How ``line`` breaks the BigQuery schema (a load without --ignore_unknown_values would fail)."""
    columns = {column["name"]: column for column in schema}
    problems = [f"unknown field {name!r}" for name in line if name not in columns]
    for name, column in columns.items():
        value = line.get(name)
        if value is None:
            if column["mode"] == "REQUIRED":
                problems.append(f"required field {name!r} is missing")
            continue
        if column["mode"] == "REPEATED" or not BIGQUERY_TYPES[column["type"]](value):
            problems.append(f"{name!r}={value!r} is not a {column['type']}")
    return problems


def test_the_schema_file_is_a_bigquery_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert isinstance(schema, list)
    for column in schema:
        assert set(column) == {"name", "type", "mode", "description"}
        assert column["type"] in BIGQUERY_TYPES
        assert column["mode"] in {"REQUIRED", "NULLABLE"}
    assert len({column["name"] for column in schema}) == len(schema)


async def test_every_exported_line_matches_the_bigquery_schema(client: httpx.AsyncClient) -> None:
    expected = await record_one_of_each(client)
    response = await client.get("/export", params={"date": DAY}, headers=token())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.text.endswith("\n")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == expected
    schema = json.loads(SCHEMA_PATH.read_text())
    for line in lines:
        assert schema_violations(line, schema) == [], line
    assert [line["type"] for line in lines] == RECORDED_TYPES
    assert len({line["event_id"] for line in lines}) == expected
    assert all(line["ts"].startswith(DAY) for line in lines)
    # No IP, no raw User-Agent leaves the service; the visitor is the day's hash.
    assert PEER_IP not in response.text
    assert "Firefox" not in response.text
    assert len({line["visitor"] for line in lines}) == 1
    pageview, click, search, engagement = lines[:4]
    assert pageview["path"] == "/papers"
    assert pageview["referrer"] == "news.example.com"
    assert click["props"] == {"topics": ["LLM", "rag"]}
    assert search["query"] == "retrieval augmented"
    assert search["results_count"] == 12
    assert engagement["engaged_ms"] == 4200


async def test_a_long_day_is_read_in_pages_in_order_without_repeats(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PAGE_SIZE", 3)
    paths = [f"/page/{n}" for n in range(10)]
    await record(client, "batch", {"events": [{"type": "pageview", "path": p} for p in paths]})
    response = await client.get("/export", params={"date": DAY}, headers=token())
    assert response.status_code == 200
    assert [json.loads(line)["path"] for line in response.text.splitlines()] == paths


async def test_a_day_without_events_is_an_empty_200(client: httpx.AsyncClient) -> None:
    await record(client, "pageview", {"path": "/"})
    response = await client.get("/export", params={"date": "2026-11-27"}, headers=token())
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    "value", ["2026-13-01", "2026-02-30", "yesterday", "2026-1-1", "", "20261128", "2026-11-28T00"]
)
async def test_a_bad_date_is_422(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/export", params={"date": value}, headers=token())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_the_date_is_required(client: httpx.AsyncClient) -> None:
    response = await client.get("/export", headers=token())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_export_needs_a_core_or_admin_service_token(client: httpx.AsyncClient) -> None:
    params = {"date": DAY}
    missing = await client.get("/export", params=params)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "token_missing"
    scraper = await client.get("/export", params=params, headers=token("scraper"))
    assert scraper.status_code == 403
    assert scraper.json()["error"]["code"] == "caller_not_allowed"
    # A dashboard token reads metrics, never raw events.
    dashboard = issue_token(issuer="core", audience=ANALYTICS_DASHBOARD_AUDIENCE, key=TEST_KEYS["core"])
    refused = await client.get("/export", params=params, headers={"Authorization": f"Bearer {dashboard}"})
    assert refused.status_code == 401
    assert (await client.get("/export", params=params, headers=token("admin"))).status_code == 200


async def test_openapi_documents_the_export(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/export"]["get"]
    assert {"200", "401", "403", "422", "503"} <= set(operation["responses"])
    assert "application/x-ndjson" in operation["responses"]["200"]["content"]
