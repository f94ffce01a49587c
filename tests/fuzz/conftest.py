"""One real stack for the schema fuzzing: the four services and Chroma as the Procfile starts them,
on free ports, their own databases, Redis keys and Celery queue, with sample content and papers.

Upstreams (arXiv, Hugging Face, Papers with Code, GitHub) point at a closed local port: a scrape or
a GitHub job the fuzzing starts fails at once, never reaching out. No Celery worker runs: jobs the
fuzzing queues stay queued (their queue is deleted afterwards), so no fuzzed PDF URL is fetched.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis

from portfolio_shared.settings import REDIS_ROLES
from scripts import devstack
from scripts.e2e_stack import load_papers
from scripts.stack import services_running
from tests.fuzz.credentials import staff_session

CLOSED = "http://127.0.0.1:9"
PROCESSES = ["chroma", "core", "scraper", "analytics", "documents"]


def delete_keys(redis_url: str, suffix: str) -> None:
    """This stack's Redis keys (its cache, analytics and queue names all hold ``suffix``); never a flush."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{suffix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    upstreams = {name: CLOSED for name in ("ARXIV_API_URL", "HF_API_URL", "PWC_API_URL", "GITHUB_API_URL")}
    with services_running(tmp_path_factory.mktemp("fuzz"), PROCESSES, SCRAPE_SCHEDULE="", **upstreams) as env:
        try:
            owner = {"DEV_ADMIN_USER": "fuzz-owner", "DEV_ADMIN_PASSWORD": secrets.token_urlsafe(16)}
            # The owner's account and the sample profile, stack, journey and projects (one without a demo).
            devstack.seed({**env, **owner})
            load_papers(env)
            session = staff_session(
                env, username=owner["DEV_ADMIN_USER"], password=owner["DEV_ADMIN_PASSWORD"]
            )
            yield {**env, "FUZZ_STAFF_SESSION": session}
        finally:
            for url in {env.get(role.upper()) or env["REDIS_URL"] for role in REDIS_ROLES}:
                delete_keys(url, env["PORTFOLIO_DB_SUFFIX"])
