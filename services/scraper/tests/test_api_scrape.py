"""``/scrape``: validation (422 envelopes), service auth (401/403), 202 + job, 409 for a running
source, status and history shapes, and the shared ``ScraperClient`` reading them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fake_upstreams import FakeUpstreams
from fastapi import FastAPI
from scrape_jobs_support import (
    KEYRING,
    NOW,
    WORLD_IDS,
    blocking_fetcher,
    fresh_database,
    outbox,
    populate,
    runner_options,
    scraper_settings,
    token,
)

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.main import create_app
from portfolio_shared.auth import SignedTokenProvider
from portfolio_shared.clients import ScraperClient


@pytest.fixture
def upstream() -> Iterator[FakeUpstreams]:
    with FakeUpstreams() as fake:
        populate(fake)
        yield fake


@pytest.fixture
def settings(upstream: FakeUpstreams) -> Iterator[ScraperSettings]:
    with fresh_database() as url:
        yield scraper_settings(url, upstream)


@pytest.fixture
def release() -> asyncio.Event:
    """Set by default; a test that clears it holds every job in its fetch phase."""
    event = asyncio.Event()
    event.set()
    return event


@pytest.fixture
async def app(settings: ScraperSettings, release: asyncio.Event) -> AsyncIterator[FastAPI]:
    application = create_app(settings, runner_options=runner_options())
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scraper") as c:
        yield c


def hold_jobs(app: FastAPI, release: asyncio.Event) -> None:
    release.clear()
    app.state.runner.fetchers = {n: blocking_fetcher(release) for n in ("arxiv", "huggingface", "pwc")}


async def finished(app: FastAPI) -> None:
    tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("scrape-")]
    await asyncio.gather(*tasks)


def core_client(app: FastAPI) -> ScraperClient:
    """The shared client as core holds it, talking to ``app`` in process."""
    return ScraperClient(
        "http://scraper",
        caller="core",
        token_provider=SignedTokenProvider("core", KEYRING["core"]),
        transport=httpx.ASGITransport(app=app),
    )


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/scrape", {"source": "all", "days": 0}, ["body", "days"]),
        ("/scrape", {"source": "all", "days": 31}, ["body", "days"]),
        ("/scrape", {"source": "arxiv", "days": "many"}, ["body", "days"]),
        ("/scrape", {"source": "github", "days": 1}, ["body", "source"]),
        ("/scrape", {"source": "all", "days": 1, "since": "yesterday"}, ["body", "since"]),
        ("/scrape/arxiv", {"days": 0}, ["body", "days"]),
        ("/scrape/pwc", {"days": 31}, ["body", "days"]),
    ],
)
async def test_invalid_requests_are_422_envelopes(
    api: httpx.AsyncClient, settings: ScraperSettings, path: str, body: dict[str, Any], field: list[str]
) -> None:
    error = assert_envelope(await api.post(path, json=body, headers=token()), 422, "validation_error")
    assert [e["loc"] for e in error["details"]["errors"]] == [field]
    assert outbox(settings.database_url) == []


@pytest.mark.parametrize("path", ["/scrape/github", "/scrape/all"])
async def test_a_source_without_its_own_route_is_404(api: httpx.AsyncClient, path: str) -> None:
    assert_envelope(await api.post(path, json={"days": 1}, headers=token()), 404, "not_found")


async def test_a_body_that_is_not_json_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/scrape", content=b"{days: 3", headers={**token(), "Content-Type": "application/json"}
    )
    assert_envelope(response, 400, "invalid_json")


async def test_starting_a_scrape_needs_a_service_token(api: httpx.AsyncClient) -> None:
    assert_envelope(await api.post("/scrape", json={"days": 1}), 401, "token_missing")
    bad = {"Authorization": "Bearer not-a-jwt"}
    assert_envelope(await api.post("/scrape/arxiv", json={"days": 1}, headers=bad), 401, "token_malformed")
    wrong_audience = token("scheduler", audience="core")
    assert_envelope(
        await api.post("/scrape", json={"days": 1}, headers=wrong_audience), 401, "token_wrong_audience"
    )
    error = assert_envelope(
        await api.post("/scrape", json={"days": 1}, headers=token("analytics")), 403, "caller_not_allowed"
    )
    assert error["details"]["caller"] == "analytics"
    # Reads are public.
    assert (await api.get("/scrape/history")).status_code == 200


@pytest.mark.parametrize("caller", ["scheduler", "core", "admin"])
async def test_the_allowed_callers_start_a_job_that_runs_to_the_end(
    api: httpx.AsyncClient, app: FastAPI, settings: ScraperSettings, caller: str
) -> None:
    response = await api.post("/scrape", json={"source": "all", "days": 2}, headers=token(caller))
    assert response.status_code == 202, response.text
    body = response.json()
    job_id = uuid.UUID(body["job_id"])
    assert body["status_url"] == f"/scrape/status?job_id={job_id}"
    assert response.headers["location"] == body["status_url"]
    await finished(app)

    status = (await api.get(body["status_url"])).json()
    assert status["id"] == str(job_id) and status["state"] == "succeeded" and status["progress"] == 100
    assert status["source"] == "all" and status["days"] == 2 and status["trigger"] == "api"
    assert status["counts"] == {"fetched": 5, "new": 4, "updated": 0, "skipped": 1, "failed": 0}
    assert list(status["sources"]) == ["arxiv", "huggingface", "pwc"]
    arxiv = status["sources"]["arxiv"]
    assert arxiv["state"] == "succeeded" and arxiv["progress"] == 100 and arxiv["error"] is None
    assert arxiv["fetched"] == 3 and arxiv["total"] == 3 and arxiv["pages"] == 1
    assert arxiv["counts"] == {"fetched": 3, "new": 3, "updated": 0, "skipped": 0, "failed": 0}
    assert arxiv["started_at"] == arxiv["finished_at"] == NOW.isoformat().replace("+00:00", "Z")
    assert status["window"] == {"start": "2026-11-26T12:00:00Z", "end": "2026-11-28T12:00:00Z"}
    assert set(status["timings"]) == {"fetch", "enrich", "deliver", "total"}
    bulk = [m for m in outbox(settings.database_url) if m["path"] == "/api/internal/papers/bulk/"]
    assert sorted(p["arxiv_id"] for m in bulk for p in m["payload"]["papers"]) == WORLD_IDS


async def test_a_source_with_a_running_job_answers_409_with_that_job(
    api: httpx.AsyncClient, app: FastAPI, release: asyncio.Event
) -> None:
    hold_jobs(app, release)
    first = (await api.post("/scrape/arxiv", json={"days": 3}, headers=token())).json()["job_id"]

    for path, body in (("/scrape/arxiv", {"days": 1}), ("/scrape", {"source": "all", "days": 1})):
        error = assert_envelope(
            await api.post(path, json=body, headers=token()), 409, "scrape_already_running"
        )
        assert error["details"] == {"job_id": first, "sources": ["arxiv"]}

    other = await api.post("/scrape/huggingface", json={"days": 1}, headers=token())
    assert other.status_code == 202
    running = (await api.get("/scrape/status", params={"job_id": first})).json()
    assert running["state"] == "running" and running["finished_at"] is None
    assert running["sources"]["arxiv"]["state"] == "running"
    assert 0 <= running["progress"] < 100

    release.set()
    await finished(app)
    again = await api.post("/scrape", json={"source": "all", "days": 1}, headers=token())
    assert again.status_code == 202
    await finished(app)


async def test_a_retry_with_the_same_idempotency_key_gets_the_same_job(
    api: httpx.AsyncClient, app: FastAPI, release: asyncio.Event
) -> None:
    hold_jobs(app, release)
    headers = {**token("scheduler"), "Idempotency-Key": "daily-2026-11-28"}
    first = await api.post("/scrape", json={"source": "all", "days": 1}, headers=headers)
    retry = await api.post("/scrape", json={"source": "all", "days": 1}, headers=headers)
    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json()
    # Another body under the same key is a mistake, not a retry.
    error = assert_envelope(
        await api.post("/scrape", json={"source": "all", "days": 2}, headers=headers),
        409,
        "idempotency_key_reused",
    )
    assert error["details"] == {"job_id": first.json()["job_id"]}
    # Keys belong to their caller: core's same key is another request (and finds the sources busy).
    core_key = {**token("core"), "Idempotency-Key": "daily-2026-11-28"}
    busy = await api.post("/scrape", json={"source": "all", "days": 1}, headers=core_key)
    assert_envelope(busy, 409, "scrape_already_running")
    release.set()
    await finished(app)
    # Once the job is over, the retry still names it rather than starting another.
    late = await api.post("/scrape", json={"source": "all", "days": 1}, headers=headers)
    assert late.status_code == 202 and late.json() == first.json()
    history = (await api.get("/scrape/history")).json()
    assert history["count"] == 1


async def test_status_without_any_job_and_for_unknown_ids(api: httpx.AsyncClient) -> None:
    assert_envelope(await api.get("/scrape/status"), 404, "no_scrape_job")
    unknown = uuid.uuid4()
    error = assert_envelope(
        await api.get("/scrape/status", params={"job_id": str(unknown)}), 404, "scrape_job_not_found"
    )
    assert error["details"] == {"job_id": str(unknown)}
    assert_envelope(await api.get("/scrape/status", params={"job_id": "nope"}), 422, "validation_error")


async def test_status_is_the_latest_job_and_history_pages_newest_first(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    ids = []
    for path in ("/scrape/arxiv", "/scrape/pwc", "/scrape/huggingface"):
        ids.append((await api.post(path, json={"days": 1}, headers=token())).json()["job_id"])
        await finished(app)

    assert (await api.get("/scrape/status")).json()["id"] == ids[-1]
    page = (await api.get("/scrape/history", params={"limit": 2})).json()
    assert [job["id"] for job in page["results"]] == [ids[2], ids[1]]
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 0)
    rest = (await api.get("/scrape/history", params={"limit": 2, "offset": 2})).json()
    assert [job["id"] for job in rest["results"]] == [ids[0]]
    only_pwc = (await api.get("/scrape/history", params={"source": "pwc"})).json()
    assert [job["id"] for job in only_pwc["results"]] == [ids[1]]
    assert only_pwc["results"][0]["sources"]["pwc"]["state"] == "succeeded"
    assert (await api.get("/scrape/history", params={"state": "failed"})).json()["results"] == []
    assert_envelope(await api.get("/scrape/history", params={"limit": 0}), 422, "validation_error")
    assert_envelope(await api.get("/scrape/history", params={"limit": 101}), 422, "validation_error")


async def test_the_shared_client_starts_follows_and_lists_jobs(app: FastAPI) -> None:
    async with core_client(app) as client:
        accepted = await client.start_scrape("pwc", days=1, idempotency_key="once")
        assert (await client.start_scrape("pwc", days=1, idempotency_key="once")).job_id == accepted.job_id
        await finished(app)
        status = await client.status(accepted.job_id)
        assert status.state == "succeeded" and status.source == "pwc"
        assert status.sources["pwc"].counts.skipped == 1
        assert [job.id for job in (await client.jobs(limit=5)).results] == [accepted.job_id]


async def test_the_openapi_documents_the_routes_and_their_errors(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    post = paths["/scrape"]["post"]
    assert {"202", "401", "403", "409", "422"} <= set(post["responses"])
    assert post["security"] == [{"ServiceToken": []}]
    for source in ("arxiv", "huggingface", "pwc"):
        assert set(paths[f"/scrape/{source}"]["post"]["responses"]) >= {"202", "409", "422"}
    assert "404" in paths["/scrape/status"]["get"]["responses"]
    assert "/scrape/history" in paths
    rerun = paths["/scrape/jobs/{job_id}/rerun"]["post"]
    assert {"202", "401", "403", "404", "409", "422"} <= set(rerun["responses"])
    assert rerun["security"] == [{"ServiceToken": []}]


async def test_history_lists_running_jobs_with_their_sources_live(
    api: httpx.AsyncClient, app: FastAPI, release: asyncio.Event
) -> None:
    hold_jobs(app, release)
    job_id = (await api.post("/scrape", json={"source": "all", "days": 1}, headers=token())).json()["job_id"]
    for _ in range(100):  # queued until its task has started
        page = (await api.get("/scrape/history", params={"state": "running"})).json()
        if page["results"] and page["count"]:  # (the count and the page are two reads)
            break
        await asyncio.sleep(0.02)
    assert [job["id"] for job in page["results"]] == [job_id] and page["count"] == 1
    running = page["results"][0]
    assert set(running["sources"]) == {"arxiv", "huggingface", "pwc"}
    assert {s["state"] for s in running["sources"].values()} == {"running"}
    release.set()
    await finished(app)
    done = (await api.get("/scrape/history")).json()["results"][0]
    assert done["id"] == job_id and done["state"] == "succeeded"


async def test_a_failed_source_is_rerun_alone_over_the_same_window(
    api: httpx.AsyncClient, app: FastAPI, upstream: FakeUpstreams, settings: ScraperSettings
) -> None:
    upstream.arxiv.error("service temporarily unavailable")
    first = (await api.post("/scrape", json={"source": "all", "days": 2}, headers=token())).json()
    await finished(app)
    failed = (await api.get(first["status_url"])).json()
    assert failed["state"] == "partial"
    assert failed["sources"]["arxiv"]["state"] == "failed"
    assert failed["sources"]["arxiv"]["error"]["code"] == "source_error"

    # A source that did not fail, one the job did not scrape, an unknown job: refused, nothing started.
    error = assert_envelope(
        await api.post(f"/scrape/jobs/{failed['id']}/rerun", json={"source": "pwc"}, headers=token("core")),
        409,
        "source_not_failed",
    )
    assert error["details"] == {"job_id": failed["id"], "source": "pwc", "state": "succeeded"}
    unknown = uuid.uuid4()
    error = assert_envelope(
        await api.post(f"/scrape/jobs/{unknown}/rerun", json={"source": "arxiv"}, headers=token("core")),
        404,
        "scrape_job_not_found",
    )
    assert_envelope(
        await api.post(f"/scrape/jobs/{failed['id']}/rerun", json={"source": "github"}, headers=token()),
        422,
        "validation_error",
    )
    assert_envelope(
        await api.post(f"/scrape/jobs/{failed['id']}/rerun", json={"source": "arxiv"}), 401, "token_missing"
    )
    assert (await api.get("/scrape/history")).json()["count"] == 1

    async with core_client(app) as client:
        accepted = await client.rerun_source(failed["id"], "arxiv")
        await finished(app)
        rerun = (await api.get(accepted.status_url)).json()
        page = await client.jobs(limit=5)
    assert rerun["source"] == "arxiv" and rerun["state"] == "succeeded"
    assert rerun["trigger"] == "rerun" and rerun["rerun_of"] == failed["id"]
    assert rerun["window"] == failed["window"]
    assert list(rerun["sources"]) == ["arxiv"] and rerun["sources"]["arxiv"]["fetched"] == 3
    assert page.count == 2 and [job.id for job in page.results] == [accepted.job_id, failed["id"]]
    # The failed job is left as it was.
    assert (await api.get(first["status_url"])).json()["sources"]["arxiv"]["state"] == "failed"


async def test_a_source_of_a_job_that_ended_in_a_single_source_scrape_cannot_be_rerun_elsewhere(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    job = (await api.post("/scrape/pwc", json={"days": 1}, headers=token())).json()
    await finished(app)
    error = assert_envelope(
        await api.post(f"/scrape/jobs/{job['job_id']}/rerun", json={"source": "arxiv"}, headers=token()),
        422,
        "source_not_in_job",
    )
    assert error["details"]["sources"] == ["pwc"]


# Found by the schema fuzzing (tests/fuzz), replayed here.


@pytest.mark.parametrize("offset", ["9130497992419782426624", "9223372036854775808", "100000001"])
async def test_an_offset_past_any_history_is_422_not_500(api: httpx.AsyncClient, offset: str) -> None:
    response = await api.get("/scrape/history", params={"offset": offset})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("path", ["/scrape/status", "/scrape/history"])
async def test_posting_to_a_read_is_405_not_an_unknown_source(api: httpx.AsyncClient, path: str) -> None:
    response = await api.post(path, json={"days": 1}, headers=token())
    assert response.status_code == 405, response.text
    assert "GET" in response.headers["allow"]
