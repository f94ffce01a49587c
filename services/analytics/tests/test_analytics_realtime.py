"""Socket.IO over real uvicorn processes, with a real python-socketio client over websocket:
the access rule on connect, the snapshot on connect, a pageview posted over HTTP pushed to the
dashboard, and two server processes sharing Redis (an event posted to one reaches a client of the other)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import socketio
from conftest import DASHBOARD_ORIGIN, TEST_KEYS, Server, server_env, uvicorn_process

from portfolio_analytics.api.access import DASHBOARD_AUDIENCE
from portfolio_shared.auth import SigningKey, issue_token

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
PATH = "/ws/realtime"
#: The issue's bound for a push after an event (generous for a loaded machine: pushes take ~250 ms).
PUSH_WITHIN = 5.0


def dashboard_token(key: SigningKey, *, now: float | None = None) -> str:
    return issue_token(issuer="core", audience=DASHBOARD_AUDIENCE, key=key, ttl=300, now=now)


class Dashboard:
    """A python-socketio client that queues every ``realtime`` payload and any connect error."""

    def __init__(self) -> None:
        # Our own HTTP session, closed in close(): a refused connection would otherwise leak engine.io's.
        self.session = aiohttp.ClientSession()
        self.client = socketio.AsyncClient(reconnection=False, http_session=self.session)
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.errors: list[Any] = []
        self.client.on("realtime", self.updates.put_nowait)
        self.client.on("connect_error", self.errors.append)

    async def connect(self, url: str, **kwargs: Any) -> None:
        await self.client.connect(
            url, socketio_path=PATH, transports=["websocket"], wait_timeout=30, **kwargs
        )

    async def next_update(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.updates.get(), timeout=30)

    async def snapshot(self) -> dict[str, Any]:
        """The snapshot sent on connect. A room push may come first: the connection joins the room
        before its snapshot is read from Redis, and a push carries the same live figures."""
        while True:
            update = await self.next_update()
            if update.get("snapshot"):
                return update

    async def update_with(self, path: str, within: float) -> dict[str, Any]:
        """The first update whose events include a pageview of ``path``, within ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no realtime push carried {path} within {within} s")
            try:
                update = await asyncio.wait_for(self.updates.get(), timeout=remaining)
            except TimeoutError:
                continue
            if any(event.get("path") == path for event in update["events"]):
                return update

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        await self.session.close()


@pytest.fixture
async def dashboard() -> AsyncIterator[Dashboard]:
    board = Dashboard()
    try:
        yield board
    finally:
        await board.close()


async def post_pageview(base_url: str, path: str, *, client_ip: str = "198.51.100.20") -> None:
    # Each test's visitor differs by User-Agent so rate limits never meet across tests.
    headers = {**BROWSER, "User-Agent": f"{BROWSER['User-Agent']} test/{uuid.uuid4().hex[:6]}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        response = await http.post("/events/pageview", json={"path": path, "title": "t"})
    assert response.status_code == 202, response.text
    assert "x-analytics-dropped" not in response.headers


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "token_missing"),
        ({"token": "not-a-jwt"}, "token_malformed"),
        ("expired", "token_expired"),
        ("wrong-secret", "token_invalid_signature"),
    ],
    ids=["no-token", "malformed", "expired", "wrong-secret"],
)
async def test_unauthorised_connect_is_refused_with_a_reason(
    analytics_server: Server, dashboard: Dashboard, auth: Any, code: str
) -> None:
    if auth == "expired":
        auth = {"token": dashboard_token(analytics_server.core_key, now=time.time() - 1000)}
    elif auth == "wrong-secret":
        auth = {"token": dashboard_token(SigningKey.generate())}
    with pytest.raises(socketio.exceptions.ConnectionError):
        await dashboard.connect(analytics_server.url, auth=auth)
    assert not dashboard.client.connected
    # What a browser's socket.io client sees as err.message and err.data.
    assert len(dashboard.errors) == 1
    assert dashboard.errors[0]["message"]
    assert dashboard.errors[0]["data"] == {"code": code, "status": 401}
    assert dashboard.updates.empty()


async def test_a_service_token_of_a_caller_that_may_not_read_is_refused(
    analytics_server: Server, dashboard: Dashboard
) -> None:
    token = issue_token(issuer="scraper", audience="analytics", key=TEST_KEYS["scraper"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        await dashboard.connect(analytics_server.url, auth={"token": token})
    assert dashboard.errors[0]["data"] == {"code": "caller_not_allowed", "status": 403}


async def test_authorised_connect_gets_a_snapshot_at_once(
    analytics_server: Server, dashboard: Dashboard
) -> None:
    await post_pageview(analytics_server.url, "/before-connect")
    await dashboard.connect(analytics_server.url, auth={"token": dashboard_token(analytics_server.core_key)})
    assert dashboard.client.connected
    snapshot = await dashboard.snapshot()
    assert snapshot["activeUsers"] >= 1
    assert isinstance(snapshot["currentPages"], list)
    # The recent events of the day come with it, as a dashboard may see them (no visitor id).
    assert any(event.get("path") == "/before-connect" for event in snapshot["events"])
    assert all("visitor" not in event and "v" not in event for event in snapshot["events"])


@pytest.mark.parametrize("where", ["query", "header"])
async def test_the_token_counts_only_in_the_auth_payload(
    analytics_server: Server, dashboard: Dashboard, where: str
) -> None:
    """A token in the URL would be written to access logs and browser history: it is not read."""
    token = dashboard_token(analytics_server.core_key)
    with pytest.raises(socketio.exceptions.ConnectionError):
        if where == "query":
            await dashboard.connect(f"{analytics_server.url}?token={token}")
        else:
            await dashboard.connect(analytics_server.url, headers={"Authorization": f"Bearer {token}"})
    assert dashboard.errors[0]["data"] == {"code": "token_missing", "status": 401}


async def test_the_connection_is_dropped_when_its_token_expires(
    analytics_server: Server, dashboard: Dashboard
) -> None:
    gone = asyncio.Event()
    dashboard.client.on("disconnect", gone.set)
    token = issue_token(issuer="core", audience=DASHBOARD_AUDIENCE, key=analytics_server.core_key, ttl=2)
    await dashboard.connect(analytics_server.url, auth={"token": token})
    assert (await dashboard.snapshot())["snapshot"] is True
    # The token expires within 2 s; the server closes the connection then (30 s: a hang bound only).
    await asyncio.wait_for(gone.wait(), timeout=30)
    assert not dashboard.client.connected


async def test_a_pageview_posted_over_http_is_pushed_within_five_seconds(
    analytics_server: Server, dashboard: Dashboard
) -> None:
    await dashboard.connect(analytics_server.url, auth={"token": dashboard_token(analytics_server.core_key)})
    await dashboard.snapshot()
    path = f"/papers/{uuid.uuid4().hex[:8]}"
    await post_pageview(analytics_server.url, path)
    update = await dashboard.update_with(path, within=PUSH_WITHIN)
    assert "snapshot" not in update
    assert update["activeUsers"] >= 1
    event = next(e for e in update["events"] if e.get("path") == path)
    assert event["type"] == "pageview"
    # The visitor's current page (a fresh User-Agent: one new visitor on a fresh path).
    assert {"path": path, "visitors": 1} in update["currentPages"]


async def test_a_browser_page_from_an_allowed_origin_connects(
    analytics_server: Server, dashboard: Dashboard
) -> None:
    token = dashboard_token(analytics_server.core_key)
    await dashboard.connect(analytics_server.url, auth={"token": token}, headers={"Origin": DASHBOARD_ORIGIN})
    assert (await dashboard.snapshot())["snapshot"] is True


async def test_a_page_from_another_origin_is_refused_even_with_a_token(
    analytics_server: Server, dashboard: Dashboard
) -> None:
    board = dashboard
    token = dashboard_token(analytics_server.core_key)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await board.connect(
            analytics_server.url, auth={"token": token}, headers={"Origin": "http://evil.test"}
        )
    assert not board.client.connected
    assert board.updates.empty()


@pytest.fixture(scope="module")
def second_server(analytics_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another uvicorn process on the same Redis, channel and prefix: a second worker of the service."""
    log_path: Path = tmp_path_factory.mktemp("analytics-2") / "uvicorn.log"
    with uvicorn_process(server_env(analytics_server.channel, analytics_server.prefix), log_path) as url:
        yield url


async def test_an_event_posted_to_one_process_reaches_a_client_of_the_other(
    analytics_server: Server, second_server: str, dashboard: Dashboard
) -> None:
    await dashboard.connect(second_server, auth={"token": dashboard_token(analytics_server.core_key)})
    await dashboard.snapshot()
    # The second process subscribes to the channel as its first client connects; a few tries at most.
    for attempt in range(20):
        path = f"/cross/{attempt}-{uuid.uuid4().hex[:6]}"
        await post_pageview(analytics_server.url, path)
        try:
            update = await dashboard.update_with(path, within=PUSH_WITHIN)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("no push from the first process reached the second process's client")
    assert any(e.get("path") == path for e in update["events"])
