"""``POST /classify``: core's re-classification of stored papers, through the real app and database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from scrape_jobs_support import KEYRING, fresh_database, runner_options, scraper_settings, token

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.main import create_app
from portfolio_shared.auth import SignedTokenProvider
from portfolio_shared.clients import ScraperClient
from portfolio_shared.schemas import MAX_CLASSIFY_PAPERS, ClassifyPaper

QUANTIZATION = {
    "arxiv_id": "2611.10001",
    "title": "4-Bit Post-Training Quantization of Large Language Models",
    "abstract": "We quantize the weights of language models to 4 bits with little loss in perplexity.",
    "primary_category": "cs.LG",
    "categories": ["cs.LG", "cs.CL"],
}
FLAKY_TESTS = {
    "arxiv_id": "2611.10002",
    "title": "Flaky Tests in Continuous Integration",
    "abstract": "We rerun failing tests in continuous integration pipelines to identify flaky ones.",
    "primary_category": "cs.SE",
    "categories": ["cs.SE"],
}


@pytest.fixture
def settings() -> Iterator[ScraperSettings]:
    with fresh_database() as url:
        yield scraper_settings(url)


@pytest.fixture
async def app(settings: ScraperSettings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, runner_options=runner_options())
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scraper") as c:
        yield c


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


async def test_core_gets_each_papers_defining_topics_in_request_order(app: FastAPI) -> None:
    client = ScraperClient(
        "http://scraper",
        caller="core",
        token_provider=SignedTokenProvider("core", KEYRING["core"]),
        transport=httpx.ASGITransport(app=app),
    )
    async with client:
        answer = await client.classify([ClassifyPaper(**FLAKY_TESTS), ClassifyPaper(**QUANTIZATION)])
    assert [a.arxiv_id for a in answer] == ["2611.10002", "2611.10001"]
    assert answer[0].topics == []  # no AI/ML content
    assert "Efficiency" in answer[1].topics
    assert len(answer[1].topics) <= 3


async def test_classify_needs_a_core_or_admin_token(api: httpx.AsyncClient) -> None:
    body = {"papers": [QUANTIZATION]}
    assert error_code(await api.post("/classify", json=body), 401) == "token_missing"
    assert error_code(await api.post("/classify", json=body, headers=token("scheduler")), 403) == (
        "caller_not_allowed"
    )
    assert (await api.post("/classify", json=body, headers=token("admin"))).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"papers": []},
        {"papers": [{**QUANTIZATION, "title": ""}]},
        {"papers": [{**QUANTIZATION, "arxiv_id": "x" * 41}]},
        {"papers": [{**QUANTIZATION, "topics": ["LLM"]}]},
        {"papers": [QUANTIZATION] * (MAX_CLASSIFY_PAPERS + 1)},
        {},
    ],
)
async def test_bad_bodies_are_422_envelopes(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await api.post("/classify", json=body, headers=token("core"))
    assert error_code(response, 422) == "validation_error"
