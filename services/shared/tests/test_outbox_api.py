"""The shared outbox routes (``portfolio_shared.outbox.api``) and their client methods, against a real
Postgres outbox: list by state with the last error, retry now (a dead message revived, then
delivered by a real dispatcher to a real receiver), discard, and each refusal in the envelope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from test_auth_support import KEYRING, authenticator, bearer
from test_outbox_support import SECRETS, Receiver, message, temp_database, truncate

from portfolio_shared.auth import SignedTokenProvider
from portfolio_shared.clients import ScraperClient
from portfolio_shared.errors import Conflict, NotFound
from portfolio_shared.fastapi_app import create_service_app
from portfolio_shared.outbox import Dispatcher, enqueue
from portfolio_shared.outbox.api import outbox_router
from portfolio_shared.settings import ServiceSettings

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def db() -> Iterator[str]:
    with temp_database("api") as url:
        yield url


@pytest.fixture
def url(db: str) -> Iterator[str]:
    truncate(db)
    yield db


def make_app(database_url: str) -> FastAPI:
    settings = ServiceSettings(service_name="scraper", database_url=database_url, LOG_LEVEL="WARNING")
    app = create_service_app(
        service="scraper", settings=settings, title="outbox routes", routers=[outbox_router("scraper")]
    )
    app.state.service_authenticator = authenticator("scraper")
    return app


def client(app: FastAPI) -> ScraperClient:
    return ScraperClient(
        "http://scraper.test",
        caller="core",
        token_provider=SignedTokenProvider("core", KEYRING["core"]),
        transport=httpx.ASGITransport(app=app),
        retries=0,
    )


def add(url: str, path: str = "/api/webhooks/x/", msg_id: str | None = None, **state: object) -> str:
    """A message to core, then its row set to ``state`` (attempts, last_error, dead, ...)."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        msg_id = enqueue(
            cur, destination="core", path=path, event_type="ping", payload={"n": 1}, msg_id=msg_id
        )
        for column, value in state.items():
            cur.execute(f"UPDATE outbox_message SET {column} = %s WHERE msg_id = %s", (value, msg_id))
    return msg_id


def later() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


async def test_lists_pending_failing_and_dead_with_counts_and_the_last_error(url: str) -> None:
    pending = add(url)
    failing = add(url, attempts=3, last_status=503, last_error="HTTP 503: busy", available_at=later())
    dead = add(url, attempts=25, last_error="connection refused", dead=True)
    delivered = add(url, delivered_at=datetime.now(UTC), last_status=204)
    async with client(make_app(url)) as scraper:
        page = await scraper.outbox_messages()
        assert page.sender == "scraper"
        assert (page.counts.pending, page.counts.failing, page.counts.dead, page.count) == (1, 1, 1, 3)
        states = {m.msg_id: m.state for m in page.results}
        assert states == {pending: "pending", failing: "failing", dead: "dead"}
        assert delivered not in states
        only_failing = await scraper.outbox_messages(state="failing")
        (row,) = only_failing.results
        assert (row.msg_id, row.attempts, row.last_status, row.last_error) == (
            failing,
            3,
            503,
            "HTTP 503: busy",
        )
        assert row.next_attempt_at is not None and row.next_attempt_at > datetime.now(UTC)
        assert only_failing.count == 1
        (dead_row,) = (await scraper.outbox_messages(state="dead")).results
        assert dead_row.next_attempt_at is None and dead_row.last_error == "connection refused"
        paged = await scraper.outbox_messages(limit=1, offset=1)
        assert [m.msg_id for m in paged.results] == [failing] and paged.count == 3


async def test_retry_revives_a_dead_message_and_a_dispatcher_then_delivers_it(url: str) -> None:
    receiver = Receiver().start()
    try:
        dead = add(url, path="/hooks/", attempts=25, last_status=500, last_error="HTTP 500", dead=True)
        async with client(make_app(url)) as scraper:
            retried = await scraper.retry_outbox_message(dead)
        assert (retried.state, retried.attempts) == ("failing", 0)  # its last error stays until delivered
        assert retried.next_attempt_at is not None and retried.next_attempt_at <= datetime.now(UTC)
        with Dispatcher(url, targets={"core": receiver.url}, webhook_secrets={"core": SECRETS}) as d:
            assert d.run_once() == 1
        row = message(url, dead)
        assert row["delivered_at"] is not None and not row["dead"] and row["last_error"] is None
        assert [a.path for a in receiver.arrivals] == ["/hooks/"]
        async with client(make_app(url)) as scraper:
            assert (await scraper.outbox_messages()).count == 0
            with pytest.raises(Conflict) as exc:
                await scraper.retry_outbox_message(dead)
            assert exc.value.error_code == "outbox_message_delivered"
    finally:
        receiver.stop()


async def test_discard_deletes_the_message_and_its_attempts(url: str) -> None:
    failing = add(url, attempts=2, last_error="HTTP 502", available_at=later())
    kept = add(url)
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO outbox_attempt (message_id, attempt, dispatcher_id, started_at, finished_at,"
            " duration_ms, error, outcome) SELECT id, 1, 'd', now(), now(), 1, 'HTTP 502', 'retry'"
            " FROM outbox_message WHERE msg_id = %s",
            (failing,),
        )
    async with client(make_app(url)) as scraper:
        await scraper.discard_outbox_message(failing)
        assert [m.msg_id for m in (await scraper.outbox_messages()).results] == [kept]
        with pytest.raises(NotFound) as exc:
            await scraper.discard_outbox_message(failing)
        assert exc.value.error_code == "outbox_message_not_found"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM outbox_attempt").fetchone() == (0,)


async def test_a_message_a_dispatcher_holds_is_neither_retried_nor_discarded(url: str) -> None:
    held = add(url, attempts=1, locked_by="dispatcher-1", available_at=later())
    async with client(make_app(url)) as scraper:
        (row,) = (await scraper.outbox_messages()).results
        assert row.in_flight
        for action in (scraper.retry_outbox_message, scraper.discard_outbox_message):
            with pytest.raises(Conflict) as exc:
                await action(held)
            assert exc.value.error_code == "outbox_message_in_flight"
    assert message(url, held)["locked_by"] == "dispatcher-1"


async def test_a_message_id_with_a_slash_is_retried_and_discarded(url: str) -> None:
    # The scraper's id of an old-style arXiv paper's PDF: msg_scrape_<job>_pdf_hep-th/9901001.
    dead = add(url, msg_id="msg_scrape_0f_pdf_hep-th/9901001", dead=True, attempts=25)
    async with client(make_app(url)) as scraper:
        assert (await scraper.retry_outbox_message(dead)).state == "pending"
        await scraper.discard_outbox_message(dead)
        assert (await scraper.outbox_messages()).results == []


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/outbox/messages?state=lost", 422, "validation_error"),
        ("GET", "/outbox/messages?limit=0", 422, "validation_error"),
        ("GET", "/outbox/messages?limit=201", 422, "validation_error"),
        ("GET", "/outbox/messages?offset=-1", 422, "validation_error"),
        ("POST", "/outbox/messages/msg_nope/retry", 404, "outbox_message_not_found"),
        ("DELETE", "/outbox/messages/msg_nope", 404, "outbox_message_not_found"),
        ("DELETE", "/outbox/messages/a%01b", 422, "validation_error"),
    ],
)
async def test_bad_input_is_a_4xx_envelope(url: str, method: str, path: str, status: int, code: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(url)), base_url="http://s"
    ) as http:
        response = await http.request(method, path, headers=bearer("core", "scraper"))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("caller", ["scraper", "analytics", "documents"])
async def test_only_core_and_an_operator_may_see_the_outbox(url: str, caller: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(url)), base_url="http://s"
    ) as http:
        assert (await http.get("/outbox/messages", headers=bearer(caller, "scraper"))).status_code == 403
        assert (await http.get("/outbox/messages")).status_code == 401
        assert (await http.get("/outbox/messages", headers=bearer("admin", "scraper"))).status_code == 200


async def test_the_database_down_is_503(url: str) -> None:
    app = make_app("postgresql://postgres@127.0.0.1:1/none")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as http:
        response = await http.get("/outbox/messages", headers=bearer("core", "scraper"))
    assert response.status_code == 503 and response.json()["error"]["code"] == "outbox_unavailable"
