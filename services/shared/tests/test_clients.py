"""The typed service clients against a fake peer at the HTTP boundary (httpx.MockTransport).

The peers' answers are in their real shapes (DESIGN.md): the error envelope, the job and
document bodies, NDJSON. Waiting between retries goes through an injected ``sleep`` that records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
import pytest

from portfolio_shared.auth import SignedTokenProvider, SigningKey, verify_token
from portfolio_shared.clients import (
    AnalyticsClient,
    CoreClient,
    DocumentsClient,
    RetryPolicy,
    ScraperClient,
    ServiceClient,
)
from portfolio_shared.contracts import BULK_UPSERT_PAPERS, PROCESS_PDF
from portfolio_shared.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PortfolioError,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    UpstreamError,
    ValidationFailed,
    envelope,
)
from portfolio_shared.log import request_id_var
from portfolio_shared.schemas import DocumentInfo, JobAccepted, Paper, PapersBulk, PdfUrlRequest
from portfolio_shared.schemas.analytics import SUMMARY_EXAMPLE
from portfolio_shared.settings import ServiceSettings

Reply = httpx.Response | Exception
ClientT = TypeVar("ClientT", bound=ServiceClient)


class FakePeer:
    """Answers with the given replies in order (the last one repeats) and records every request."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(await request.aread())
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def json(self, n: int = -1) -> Any:
        return json.loads(self.bodies[n])


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Tokens:
    """A TokenProvider that mints recognisable tokens and remembers the audiences asked for."""

    def __init__(self) -> None:
        self.audiences: list[str] = []

    def get_token(self, audience: str) -> str:
        self.audiences.append(audience)
        return f"token-{len(self.audiences)}-for-{audience}"

    async def aget_token(self, audience: str) -> str:
        return self.get_token(audience)


def error(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.Response(status, json=envelope(code, message, details), headers=headers)


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


# Backoff without randomness: the n-th retry waits exactly 0.2 * 2**(n-1).
FIXED = RetryPolicy(attempts=3, backoff=0.2, jitter=lambda cap: cap)

JOB_RUNNING = {"id": "job-1", "state": "running", "progress": 40, "source": "pdf"}
SCRAPE_JOB = {
    "id": "scrape-1",
    "state": "running",
    "source": "all",
    "days": 1,
    "progress": 50,
    "started_at": "2024-01-15T02:00:00Z",
    "counts": {"fetched": 10},
    "sources": {"arxiv": {"state": "succeeded", "progress": 100}, "pwc": {"state": "running", "progress": 0}},
}


def make(cls: type[ClientT], peer: FakePeer, *, sleeps: Sleeps | None = None, **kwargs: Any) -> ClientT:
    kwargs.setdefault("retries", FIXED)
    return cls(
        "http://peer.test:8003",
        caller="scraper",
        transport=httpx.MockTransport(peer),
        sleep=sleeps if sleeps is not None else Sleeps(),
        **kwargs,
    )


@pytest.fixture
def request_id() -> Iterator[str]:
    token = request_id_var.set("req-abc-123")
    yield "req-abc-123"
    request_id_var.reset(token)


# -- headers --------------------------------------------------------------------------------------


async def test_auth_request_id_and_user_agent_are_sent(request_id: str) -> None:
    peer = FakePeer(ok(JOB_RUNNING))
    tokens = Tokens()
    async with make(DocumentsClient, peer, token_provider=tokens) as documents:
        job = await documents.status("job-1")
    assert job.state == "running" and job.progress == 40
    sent = peer.requests[0]
    assert sent.url.path == "/process/status/job-1"
    assert sent.headers["Authorization"] == "Bearer token-1-for-documents"
    assert sent.headers["X-Request-ID"] == request_id
    assert sent.headers["User-Agent"] == "portfolio-scraper"
    assert tokens.audiences == ["documents"]


async def test_without_a_provider_no_authorization_is_sent_and_a_request_id_is_made_once() -> None:
    peer = FakePeer(error(503, "service_unavailable", "busy"), ok(JOB_RUNNING))
    async with make(DocumentsClient, peer) as documents:
        await documents.status("job-1")
    assert all("Authorization" not in r.headers for r in peer.requests)
    ids = {r.headers["X-Request-ID"] for r in peer.requests}
    assert len(ids) == 1 and ids != {""}  # one generated id, the same on the retry


async def test_each_attempt_asks_for_a_fresh_token() -> None:
    peer = FakePeer(error(502, "upstream_error", "bad gateway"), ok(JOB_RUNNING))
    async with make(
        DocumentsClient, peer, token_provider=Tokens(), audience="http://documents.run"
    ) as documents:
        await documents.status("job-1")
    assert [r.headers["Authorization"] for r in peer.requests] == [
        "Bearer token-1-for-http://documents.run",
        "Bearer token-2-for-http://documents.run",
    ]


async def test_a_real_service_token_is_verifiable_by_the_peer() -> None:
    peer = FakePeer(ok(JOB_RUNNING))
    key = SigningKey.generate()
    provider = SignedTokenProvider("scraper", key)
    async with make(DocumentsClient, peer, token_provider=provider) as documents:
        await documents.status("job-1")
    token = peer.requests[0].headers["Authorization"].removeprefix("Bearer ")
    principal = verify_token(
        token,
        audience="documents",
        keys={"scraper": [key.public()]},
        allowed_issuers={"scraper"},
    )
    assert principal.caller == "scraper"


# -- retries --------------------------------------------------------------------------------------


async def test_get_is_retried_after_503_then_succeeds() -> None:
    peer = FakePeer(error(503, "service_unavailable", "warming up"), error(503, "x", "y"), ok(JOB_RUNNING))
    sleeps = Sleeps()
    async with make(DocumentsClient, peer, sleeps=sleeps) as documents:
        job = await documents.status("job-1")
    assert job.id == "job-1"
    assert len(peer.requests) == 3
    assert sleeps == [0.2, 0.4]  # exponential backoff


async def test_get_gives_up_after_its_attempts() -> None:
    peer = FakePeer(error(503, "service_unavailable", "still down"))
    sleeps = Sleeps()
    async with make(DocumentsClient, peer, sleeps=sleeps) as documents:
        with pytest.raises(UpstreamError) as info:
            await documents.status("job-1")
    assert len(peer.requests) == 3 and len(sleeps) == 2
    assert info.value.error_code == "service_unavailable" and info.value.message == "still down"


async def test_full_jitter_keeps_backoff_between_zero_and_the_capped_ceiling() -> None:
    lowest = RetryPolicy(backoff=1.0, max_backoff=3.0, jitter=lambda cap: 0.0)
    assert [lowest.backoff_delay(n) for n in (1, 2, 3, 4)] == [0.0, 0.0, 0.0, 0.0]
    highest = RetryPolicy(backoff=1.0, max_backoff=3.0, jitter=lambda cap: cap)
    assert [highest.backoff_delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]


async def test_post_500_is_not_retried() -> None:
    peer = FakePeer(error(500, "internal_error", "boom", {"trace": "t-1"}), ok({"created": 1}))
    sleeps = Sleeps()
    async with make(CoreClient, peer, sleeps=sleeps) as core:
        with pytest.raises(UpstreamError) as info:
            await core.send(
                BULK_UPSERT_PAPERS.bind(PapersBulk(papers=[Paper(arxiv_id="2401.00001", title="T")]))
            )
    assert len(peer.requests) == 1 and sleeps == []
    assert (info.value.error_code, info.value.message, info.value.details) == (
        "internal_error",
        "boom",
        {"trace": "t-1"},
    )


async def test_post_503_is_not_retried_without_an_idempotency_key() -> None:
    peer = FakePeer(error(503, "service_unavailable", "busy"), ok({"job_id": "j", "status_url": "/s"}, 202))
    async with make(ScraperClient, peer) as scraper:
        with pytest.raises(UpstreamError):
            await scraper.start_scrape("arxiv", 3)
    assert len(peer.requests) == 1


async def test_post_with_an_idempotency_key_is_retried_and_keeps_the_key() -> None:
    peer = FakePeer(
        error(503, "service_unavailable", "busy"),
        ok({"job_id": "j", "status_url": "/scrape/status?job_id=j"}, 202),
    )
    async with make(ScraperClient, peer) as scraper:
        accepted = await scraper.start_scrape("arxiv", 3, idempotency_key="sched-2024-01-15")
    assert accepted == JobAccepted(job_id="j", status_url="/scrape/status?job_id=j")
    assert len(peer.requests) == 2
    assert {r.headers["Idempotency-Key"] for r in peer.requests} == {"sched-2024-01-15"}
    assert peer.json() == {"source": "arxiv", "days": 3}


async def test_post_is_retried_when_the_connection_was_never_made() -> None:
    peer = FakePeer(httpx.ConnectError("connection refused"), ok({"job_id": "j", "status_url": "/s"}, 202))
    async with make(ScraperClient, peer) as scraper:
        assert (await scraper.start_scrape()).job_id == "j"
    assert len(peer.requests) == 2


async def test_post_is_not_retried_after_a_read_timeout() -> None:
    # The peer may have acted on it: repeating could scrape twice.
    peer = FakePeer(httpx.ReadTimeout("slow"), ok({"job_id": "j", "status_url": "/s"}, 202))
    async with make(ScraperClient, peer) as scraper:
        with pytest.raises(ServiceUnavailable) as info:
            await scraper.start_scrape()
    assert len(peer.requests) == 1
    assert info.value.error_code == "upstream_timeout" and "scraper" in info.value.message


async def test_get_is_retried_after_a_read_timeout() -> None:
    peer = FakePeer(httpx.ReadTimeout("slow"), ok(SCRAPE_JOB))
    async with make(ScraperClient, peer) as scraper:
        job = await scraper.status()
    assert job.sources["arxiv"].progress == 100 and job.counts.fetched == 10
    assert len(peer.requests) == 2


async def test_search_is_a_safe_post_and_is_retried() -> None:
    hits = {
        "query": "rag",
        "results": [
            {
                "chunk_id": "c1",
                "document_id": "d1",
                "document_key": "k1",
                "text": "t",
                "score": 0.9,
                "chunk_index": 0,
                "scores": {"fused": 0.9, "vector": 0.7, "keyword_coverage": 0.5},
            }
        ],
    }
    peer = FakePeer(error(504, "upstream_timeout", "slow"), ok(hits))
    async with make(DocumentsClient, peer) as documents:
        results = await documents.search("rag", k=3, filters={"kind": ["paper"]})
    assert [(h.chunk_id, h.scores.vector, h.scores.keyword_coverage) for h in results] == [("c1", 0.7, 0.5)]
    assert len(peer.requests) == 2
    assert peer.json() == {"query": "rag", "k": 3, "filters": {"kind": ["paper"]}}


async def test_retry_after_is_honoured() -> None:
    peer = FakePeer(error(429, "rate_limited", "slow down", headers={"Retry-After": "7"}), ok(SCRAPE_JOB))
    sleeps = Sleeps()
    async with make(ScraperClient, peer, sleeps=sleeps) as scraper:
        await scraper.status("scrape-1")
    assert sleeps == [7.0]
    assert peer.requests[0].url.params["job_id"] == "scrape-1"


async def test_retry_after_beyond_the_bound_ends_retries_and_is_passed_on() -> None:
    later = error(429, "rate_limited", "come back later", headers={"Retry-After": "120"})
    peer = FakePeer(later, ok(SCRAPE_JOB))
    sleeps = Sleeps()
    async with make(ScraperClient, peer, sleeps=sleeps) as scraper:
        with pytest.raises(RateLimited) as info:
            await scraper.status()
    assert sleeps == [] and len(peer.requests) == 1
    assert info.value.headers["Retry-After"] == "120"


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, BadRequest),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (413, PayloadTooLarge),
        (422, ValidationFailed),
        (429, RateLimited),
        (418, BadRequest),
        (500, UpstreamError),
        (502, UpstreamError),
    ],
)
async def test_the_peers_envelope_becomes_the_matching_exception(
    status: int, expected: type[PortfolioError]
) -> None:
    details = {"field": "source_url", "reason": "private address"}
    peer = FakePeer(error(status, "peer_specific_code", "the peer's own words", details))
    async with make(DocumentsClient, peer, retries=0) as documents:
        with pytest.raises(PortfolioError) as info:
            await documents.send(PROCESS_PDF.bind(PdfUrlRequest(url="https://example.org/a.pdf")))
    assert type(info.value) is expected
    assert info.value.error_code == "peer_specific_code"
    assert info.value.message == "the peer's own words"
    assert info.value.details == details


async def test_a_body_that_is_not_an_envelope_still_maps_by_status() -> None:
    peer = FakePeer(
        httpx.Response(502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"})
    )
    async with make(DocumentsClient, peer, retries=0) as documents:
        with pytest.raises(UpstreamError) as info:
            await documents.status("job-1")
    assert info.value.error_code == "upstream_error"
    assert info.value.details == {"service": "documents", "status": 502}


async def test_connect_error_becomes_service_unavailable_naming_the_service() -> None:
    peer = FakePeer(httpx.ConnectError("[Errno 111] Connection refused"))
    sleeps = Sleeps()
    async with make(CoreClient, peer, sleeps=sleeps) as core:
        with pytest.raises(ServiceUnavailable) as info:
            await core.health()
    assert info.value.error_code == "upstream_unreachable"
    assert "core" in info.value.message and "http://peer.test:8003" in info.value.message
    assert info.value.details["service"] == "core"
    assert len(peer.requests) == 1  # health is a probe: one attempt


async def test_connect_errors_exhaust_the_retries() -> None:
    peer = FakePeer(httpx.ConnectError("refused"))
    async with make(ScraperClient, peer) as scraper:
        with pytest.raises(ServiceUnavailable):
            await scraper.jobs()
    assert len(peer.requests) == 3


async def test_an_unexpected_success_body_is_an_upstream_error() -> None:
    peer = FakePeer(ok({"id": "job-1", "state": "exploded", "progress": 10, "source": "pdf"}))
    async with make(DocumentsClient, peer) as documents:
        with pytest.raises(UpstreamError) as info:
            await documents.status("job-1")
    assert info.value.error_code == "upstream_invalid_response"
    assert info.value.details["errors"][0]["loc"] == ("state",)


# -- each client's endpoints ----------------------------------------------------------------------


async def test_submissions_answer_a_job_or_the_existing_document() -> None:
    existing = {
        "document_id": "doc-1",
        "document_key": "project:rag",
        "source_type": "text",
        "chunks": 4,
        "content_sha256": "b" * 64,
    }
    peer = FakePeer(ok({"job_id": "job-5", "status_url": "/process/status/job-5"}, 202), ok(existing, 200))
    async with make(DocumentsClient, peer) as documents:
        first = await documents.process_github("octo/rag", document_key="project:rag")
        second = await documents.process_github("octo/rag", document_key="project:rag")
    assert isinstance(first, JobAccepted) and first.job_id == "job-5"
    assert isinstance(second, DocumentInfo) and second.chunks == 4
    assert peer.json(0) == {"repo": "octo/rag", "document_key": "project:rag", "metadata": {}}


async def test_pdf_upload_is_multipart_with_a_file_field() -> None:
    peer = FakePeer(ok({"job_id": "job-6", "status_url": "/process/status/job-6"}, 202))
    async with make(DocumentsClient, peer) as documents:
        await documents.process_pdf_upload("cv.pdf", b"%PDF-1.7 fake", title="CV")
    sent = peer.requests[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    body = peer.bodies[0]
    assert b'name="file"; filename="cv.pdf"' in body and b"%PDF-1.7 fake" in body
    assert b'name="title"' in body and b'name="document_key"' not in body


async def test_github_body_and_a_declared_operation_sent_as_declared() -> None:
    peer = FakePeer(ok({"job_id": "j", "status_url": "/s"}, 202))
    async with make(DocumentsClient, peer) as documents:
        await documents.process_github("octo/model")
        await documents.send(PROCESS_PDF.bind({"url": "https://arxiv.org/pdf/2401.12345"}))
    assert peer.json(0) == {"repo": "octo/model", "document_key": None, "metadata": {}}
    assert peer.json(1)["url"] == "https://arxiv.org/pdf/2401.12345"
    assert [r.url.path for r in peer.requests] == ["/process/github", "/process/pdf"]


async def test_an_operation_another_service_serves_is_refused_before_sending() -> None:
    peer = FakePeer(ok({}))
    async with make(DocumentsClient, peer) as documents:
        with pytest.raises(ValueError, match="not served by documents"):
            await documents.send(BULK_UPSERT_PAPERS.bind(PapersBulk(papers=[])))
    assert peer.requests == []


async def test_delete_document_is_settled_by_404_and_keeps_slashes_in_one_segment() -> None:
    peer = FakePeer(httpx.Response(204), error(404, "not_found", "no such document"))
    async with make(DocumentsClient, peer) as documents:
        assert await documents.delete_document("paper:hep-th/9901001") is True
        assert await documents.delete_document("paper:hep-th/9901001") is False
    assert peer.requests[0].method == "DELETE"
    assert peer.requests[0].url.raw_path == b"/documents/paper%3Ahep-th%2F9901001"


async def test_scraper_jobs() -> None:
    peer = FakePeer(ok({"results": [SCRAPE_JOB, {**SCRAPE_JOB, "id": "scrape-0", "state": "succeeded"}]}))
    async with make(ScraperClient, peer) as scraper:
        page = await scraper.jobs(limit=2, state="running")
    assert [j.id for j in page.results] == ["scrape-1", "scrape-0"]
    assert peer.requests[0].url.path == "/scrape/history"
    assert (peer.requests[0].url.params["limit"], peer.requests[0].url.params["state"]) == ("2", "running")


async def test_analytics_summary() -> None:
    peer = FakePeer(ok(SUMMARY_EXAMPLE))
    async with make(AnalyticsClient, peer) as analytics:
        got = await analytics.summary("30d")
    assert got.page_views.total == 12 and got.realtime.active_users == 1
    assert peer.requests[0].url.params["period"] == "30d"


async def test_ready_turns_the_not_ready_envelope_into_a_result() -> None:
    checks = {
        "postgres": {"ok": True, "detail": None},
        "redis": {"ok": False, "detail": "connection refused"},
    }
    peer = FakePeer(
        ok({"status": "ready", "checks": {"postgres": {"ok": True}}}),
        error(503, "not_ready", "A dependency is not ready.", {"checks": checks}),
    )
    async with make(CoreClient, peer) as core:
        assert (await core.ready()).ok
        not_ready = await core.ready()
    assert not not_ready.ok and not_ready.checks["redis"].detail == "connection refused"
    assert len(peer.requests) == 2  # no retry of the 503 probe


def test_from_settings_names_caller_url_and_audience() -> None:
    token_mode = ServiceSettings(service_name="scraper", CORE_URL="http://core.internal:8000/")
    client = CoreClient.from_settings(token_mode)
    assert (client.base_url, client.caller, client.audience) == (
        "http://core.internal:8000",
        "scraper",
        "core",
    )
    oidc = ServiceSettings(
        service_name="scheduler", SERVICE_AUTH_MODE="oidc", SCRAPER_URL="https://scraper-x.a.run.app"
    )
    assert ScraperClient.from_settings(oidc).audience == "https://scraper-x.a.run.app"


def test_a_bare_service_client_needs_a_service_name() -> None:
    with pytest.raises(ValueError, match="name of the service"):
        ServiceClient("http://peer.test", caller="admin")
