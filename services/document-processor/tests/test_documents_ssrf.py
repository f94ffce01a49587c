"""SSRF attempts through a real worker configured as in production (``OUTBOUND_ALLOW_PRIVATE=false``,
its own queue, the session's database and Chroma): every address that is not public fails the job
with ``url_not_allowed`` and the local server behind it, which would answer, is never asked. The API
refuses the literal ones (IPs, ``localhost`` names) at intake already, without DNS; names pass it
and are judged by the worker after resolution.

A redirect to a private address needs a public first hop, which a machine without internet lacks:
that case runs the pipeline in process with the name resolver and the connector steered to the
local fake server.
"""

from __future__ import annotations

import ipaddress
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from conftest import COLLECTION_PREFIX, QUEUE, Worker, running_worker
from documents_fakes import HashingEmbedder
from documents_pdfs import text_pdf
from fake_upstream import Reply, fake_upstream
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from test_documents_e2e import AUTH, wait_for

from portfolio_documents.config import DocumentsSettings
from portfolio_documents.main import create_app
from portfolio_documents.models import ProcessingJob
from portfolio_documents.processing import sources
from portfolio_documents.processing.content import FetchLimits
from portfolio_documents.processing.index.store import ChunkStore, open_chroma
from portfolio_documents.processing.net import guard as netguard
from portfolio_documents.processing.pipeline import Pipeline, PipelineConfig
from portfolio_documents.processing.storage import LocalStorage

#: Under conftest's queue name, so its clean-up removes this queue's Redis keys too.
STRICT_QUEUE = f"{QUEUE}-strict"


def outcome(job: dict[str, Any]) -> tuple[str, str | None]:
    """A finished job's state and error code (None when it has no error)."""
    return job["state"], (job["error"] or {}).get("code")


@pytest.fixture
def live(celery_worker: Worker) -> Worker:
    return celery_worker


@pytest.fixture(scope="session")
def strict_worker(
    database_url: str, chroma_url: str, media_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """Like conftest's ``celery_worker`` on a queue of its own, but as in production:
    ``OUTBOUND_ALLOW_PRIVATE=false``."""
    log_path = tmp_path_factory.mktemp("strict-worker") / "worker.log"
    with running_worker(
        STRICT_QUEUE,
        log_path,
        database_url=database_url,
        chroma_url=chroma_url,
        media_root=media_root,
        allow_private=False,
    ) as worker:
        yield worker


@asynccontextmanager
async def documents_api(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://documents") as client:
            yield client


@pytest.fixture
async def unchecked_intake(
    settings: DocumentsSettings, strict_worker: Worker
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its intake check lifted (``OUTBOUND_ALLOW_PRIVATE`` true for the API only),
    sending jobs to the strict worker: what the worker refuses on its own."""
    async with documents_api(settings.model_copy(update={"celery_queue": STRICT_QUEUE})) as client:
        yield client


@pytest.fixture
async def strict_api(settings: DocumentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The API as in production (``OUTBOUND_ALLOW_PRIVATE=false``), sending jobs to the strict queue."""
    update = {"celery_queue": STRICT_QUEUE, "outbound_allow_private": False}
    async with documents_api(settings.model_copy(update=update)) as client:
        yield client


def jobs_for(engine: Engine, url: str) -> int:
    with Session(engine) as session:
        return session.execute(
            select(func.count()).select_from(ProcessingJob).where(ProcessingJob.source["url"].astext == url)
        ).scalar_one()


def would_answer() -> dict[str, Reply]:
    """Routes a fake server answers: a fetch that reached it would succeed (and be recorded)."""
    pdf = text_pdf([f"Internal report {uuid.uuid4().hex}: nothing a client should read."])
    return {"/a.pdf": Reply(200, pdf, {"Content-Type": "application/pdf"}), "/latest/meta-data": Reply(200)}


REFUSED = {
    "loopback": "http://127.0.0.1:{port}/a.pdf",
    "localhost-name": "http://localhost:{port}/a.pdf",
    "decimal-loopback": "http://2130706433:{port}/a.pdf",
    "ipv4-mapped-loopback": "http://[::ffff:127.0.0.1]:{port}/a.pdf",
    "private-10": "http://10.0.0.1/a.pdf",
    "metadata": "http://169.254.169.254/latest/meta-data",
    "unique-local-ipv6": "http://[fd00::1]/a.pdf",
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_the_worker_refuses_a_non_public_address(
    case: str, unchecked_intake: httpx.AsyncClient
) -> None:
    with fake_upstream(would_answer()) as upstream:
        url = REFUSED[case].format(port=upstream.port)
        response = await unchecked_intake.post("/process/pdf", json={"url": url}, headers=AUTH)
        assert response.status_code == 202, response.text
        job = await wait_for(unchecked_intake, response.json()["status_url"])
    assert outcome(job) == ("failed", "url_not_allowed"), job
    assert upstream.seen == []  # never contacted, though it would have answered


async def test_the_same_loopback_server_answers_a_worker_allowed_private_addresses(
    live: Worker, client: httpx.AsyncClient
) -> None:
    # The control for the test above: with OUTBOUND_ALLOW_PRIVATE=true the fetch does happen.
    with fake_upstream(would_answer()) as upstream:
        url = REFUSED["loopback"].format(port=upstream.port)
        response = await client.post("/process/pdf", json={"url": url}, headers=AUTH)
        job = await wait_for(client, response.json()["status_url"])
    assert job["state"] == "succeeded", job
    assert upstream.paths() == ["/a.pdf"]


@pytest.mark.parametrize(
    "url",
    [
        *(template.format(port=8003) for template in REFUSED.values()),
        "http://[::1]/a.pdf",
        "http://0.0.0.0:8003/a.pdf",
        "http://127.1/a.pdf",
        "http://0x7f.1/a.pdf",
        "http://LOCALHOST./a.pdf",
        "http://admin.localhost/a.pdf",
        "http://192.168.1.1/a.pdf",
        "http://[fe80::1]/a.pdf",
    ],
)
async def test_the_api_refuses_a_literal_private_host_at_intake(
    url: str, strict_api: httpx.AsyncClient, sync_engine: Engine
) -> None:
    before = jobs_for(sync_engine, url)  # the worker tests above queue some of these URLs
    response = await strict_api.post("/process/pdf", json={"url": url}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert jobs_for(sync_engine, url) == before


async def test_the_api_refuses_a_port_other_than_80_and_443_at_intake(
    settings: DocumentsSettings, sync_engine: Engine
) -> None:
    url = f"http://files.example.org:6379/{uuid.uuid4().hex}.pdf"  # a public name: only the port is wrong
    production = settings.model_copy(
        update={"celery_queue": STRICT_QUEUE, "outbound_allowed_ports": "80,443"}
    )
    async with documents_api(production) as api:
        response = await api.post("/process/pdf", json={"url": url}, headers=AUTH)
        batch = await api.post("/process/batch", json={"items": [{"type": "pdf", "url": url}]}, headers=AUTH)
    for answer in (response, batch):
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "url_not_allowed"
        assert answer.json()["error"]["details"]["port"] == 6379
    assert jobs_for(sync_engine, url) == 0


async def test_the_api_accepts_core_s_media_under_core_public_url_and_nothing_beside_it(
    settings: DocumentsSettings, sync_engine: Engine
) -> None:
    core = "http://127.0.0.1:8000"
    production = settings.model_copy(
        update={
            "celery_queue": STRICT_QUEUE,
            "outbound_allow_private": False,
            "outbound_allowed_ports": "80,443",
            "core_public_url": httpx.URL(core),
        }
    )
    cv = f"{core}/media/profile/{uuid.uuid4().hex}.pdf"
    async with documents_api(production) as api:
        accepted = await api.post("/process/pdf", json={"url": cv, "document_key": "cv"}, headers=AUTH)
        beside = await api.post("/process/pdf", json={"url": "http://127.0.0.1:8001/x.pdf"}, headers=AUTH)
    assert accepted.status_code == 202, accepted.text
    assert jobs_for(sync_engine, cv) == 1
    assert (beside.status_code, beside.json()["error"]["code"]) == (422, "url_not_allowed")


async def test_a_batch_holding_a_private_pdf_url_is_refused_whole(
    strict_api: httpx.AsyncClient, sync_engine: Engine
) -> None:
    key = f"batch-text:{uuid.uuid4().hex}"
    url = "http://169.254.169.254/latest/meta-data"
    items = [
        {"type": "text", "document_key": key, "title": "Note", "text": f"A note {key}."},
        {"type": "pdf", "url": url},
    ]
    before = jobs_for(sync_engine, url)
    response = await strict_api.post("/process/batch", json={"items": items}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "url_not_allowed"
    assert jobs_for(sync_engine, url) == before
    with Session(sync_engine) as session:
        assert session.execute(select(ProcessingJob).where(ProcessingJob.document_key == key)).first() is None


def _machine_name_resolving_to_a_private_address() -> str:
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        pytest.skip(f"this machine's name {name!r} does not resolve")
    if not addresses or any(ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses):
        pytest.skip(f"this machine's name {name!r} resolves to a public address: {addresses}")
    return name


async def test_a_name_only_dns_can_judge_passes_intake_and_the_worker_refuses_it(
    strict_api: httpx.AsyncClient, strict_worker: Worker
) -> None:
    # Production end to end: the intake cannot tell what a name resolves to (and it may change),
    # so the worker's check after resolution is the one that must hold.
    name = _machine_name_resolving_to_a_private_address()
    with fake_upstream(would_answer()) as upstream:
        response = await strict_api.post(
            "/process/pdf", json={"url": f"http://{name}:{upstream.port}/a.pdf"}, headers=AUTH
        )
        assert response.status_code == 202, response.text
        job = await wait_for(strict_api, response.json()["status_url"])
    assert outcome(job) == ("failed", "url_not_allowed"), job
    assert upstream.seen == []


# --- a redirect to a private address: the pipeline in process -------------------------------------

PUBLIC_IP = "93.184.216.34"  # what the first hop's name "resolves" to; connecting to it reaches the fake


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/a.pdf",
        "http://localhost:{port}/a.pdf",  # a name, resolved for real: loopback
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00::1]/a.pdf",
    ],
)
def test_a_redirect_to_a_private_address_fails_the_job(
    location: str,
    sync_engine: Engine,
    chroma_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = FetchLimits(
        max_bytes=1024**2,
        max_pages=50,
        allow_private=False,
        allowed_ports=None,
        github_api_url="http://unused",
    )
    embedder = HashingEmbedder()
    pipeline = Pipeline(
        engine=sync_engine,
        store=ChunkStore(
            open_chroma(chroma_url), prefix=COLLECTION_PREFIX, model_id=embedder.model_id, dimension=64
        ),
        embedder=embedder,
        storage=LocalStorage(tmp_path),
        config=PipelineConfig(limits=limits),
        summarizer=lambda text: "unused",
    )
    system_resolver = netguard.system_resolver
    dialled: list[str] = []

    with fake_upstream(would_answer()) as upstream:
        upstream.routes["/paper.pdf"] = Reply(302, headers={"Location": location.format(port=upstream.port)})

        def resolve(host: str, port: int) -> list[str]:
            return [PUBLIC_IP] if host == "papers.example.test" else system_resolver(host, port)

        def connect(ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
            dialled.append(ip)
            return httpcore.SyncBackend().connect_tcp("127.0.0.1", upstream.port, timeout=timeout)

        # The pipeline fetches with netguard's defaults (only safe_get takes a resolver or a
        # connector), so those are what this test steers.
        monkeypatch.setattr(netguard, "system_resolver", resolve)
        monkeypatch.setattr(netguard, "_system_connector", connect)
        job_id = uuid.uuid4()
        source = sources.pdf_url_source(f"http://papers.example.test:{upstream.port}/paper.pdf")
        with Session(sync_engine) as session, session.begin():
            session.add(ProcessingJob(id=job_id, source=source, document_key=source["document_key"]))
        assert pipeline.run(job_id) == "failed"

    with Session(sync_engine) as session:
        error = session.execute(select(ProcessingJob.error).where(ProcessingJob.id == job_id)).scalar_one()
    assert error["code"] == "url_not_allowed"
    assert upstream.paths() == ["/paper.pdf"]  # the redirect was read, its target never requested
    assert dialled == [PUBLIC_IP]
