"""``POST /events/*`` on the real Redis: every kind of bad body, sendBeacon's text/plain, drops with
their reason, the per-visitor token bucket, client addresses behind proxies, CORS, GeoIP and the
realtime hand-off."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ingest_support import (
    CHROME,
    FIREFOX,
    IP_GERMANY,
    IP_LONDON,
    Harness,
    harness,
    raw_events,
    write_city_mmdb,
    write_country_mmdb,
)

from portfolio_analytics.api.events import MAX_BODY
from portfolio_analytics.events.bots import is_bot


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    async with harness() as h:
        yield h


def error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"[]", 422, "validation_error"),
        (b'{"title": "no url or path"}', 422, "validation_error"),
        (b'{"path": "relative/path"}', 422, "validation_error"),
        (json.dumps({"url": "https://a.example/" + "x" * 2000}).encode(), 422, "validation_error"),
        (
            json.dumps({"path": "/", "props": {f"k{i}": i for i in range(31)}}).encode(),
            422,
            "validation_error",
        ),
        (json.dumps({"path": "/", "props": {"nested": {"no": "objects"}}}).encode(), 422, "validation_error"),
        (json.dumps({"path": "/", "type": "click"}).encode(), 422, "validation_error"),
        # JSON has no NaN or Infinity; Python's parser reads them, and a stored raw event must stay JSON.
        (b'{"path": "/", "props": {"n": NaN}}', 422, "validation_error"),
        (b'{"path": "/", "props": {"n": 1e400}}', 422, "validation_error"),
    ],
)
async def test_bad_pageview_bodies(h: Harness, body: bytes, status: int, code: str) -> None:
    response = await h.client.post(
        "/events/pageview", content=body, headers={"content-type": "application/json", "user-agent": CHROME}
    )
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert await raw_events(h) == []


async def test_field_errors_are_listed(h: Harness) -> None:
    response = await h.post("click", {"kind": "Not A Kind"})
    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["error"]["details"]["errors"]}
    assert fields == {("body", "target"), ("body", "kind")}
    assert (await h.post("search", {"query": ""})).status_code == 422
    assert (await h.post("engagement", {"engaged_ms": -1})).status_code == 422
    assert (await h.post("engagement", {"engaged_ms": 10**9})).status_code == 422
    assert (await h.post("search", {"query": "ok", "search_id": "has spaces"})).status_code == 422


async def test_prop_values_are_stored_as_sent(h: Harness) -> None:
    props = {"s": "text", "b": True, "i": -(2**53 - 1), "f": 0.25, "topics": ["llm", "agents"]}
    assert (await h.post("pageview", {"path": "/p", "props": {**props, "big": 10**30}})).status_code == 202
    # An integer beyond JavaScript's safe range is read as a float (the raw event stays valid JSON).
    assert (await raw_events(h))[0]["props"] == {**props, "big": 1e30}


async def test_batch_limits(h: Harness) -> None:
    too_many = {"events": [{"type": "pageview", "path": "/"}] * 101}
    assert (await h.post("batch", too_many)).status_code == 422
    assert (await h.post("batch", {"events": []})).status_code == 422
    unknown = await h.post("batch", {"events": [{"type": "purchase", "path": "/"}]})
    assert unknown.status_code == 422
    ok = await h.post(
        "batch", {"events": [{"type": "pageview", "path": "/"}, {"type": "engagement", "engaged_ms": 5}]}
    )
    assert (ok.status_code, ok.json()) == (202, {"accepted": 2})
    assert [e["type"] for e in await raw_events(h)] == ["pageview", "engagement"]


async def test_body_size_limit_with_and_without_content_length(h: Harness) -> None:
    big = json.dumps({"path": "/", "title": "x" * 17_000}).encode()
    declared = await h.client.post(
        "/events/pageview", content=big, headers={"content-type": "application/json"}
    )
    assert (declared.status_code, error_code(declared)) == (413, "payload_too_large")
    assert declared.json()["error"]["details"] == {"max_bytes": MAX_BODY}

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 1024  # leading whitespace: valid JSON if it were ever parsed

    streamed = await h.client.post(
        "/events/pageview", content=chunks(), headers={"content-type": "application/json"}
    )
    assert (streamed.status_code, error_code(streamed)) == (413, "payload_too_large")
    assert streamed.json()["error"]["details"] == {"max_bytes": MAX_BODY}
    assert await raw_events(h) == []


async def test_sendbeacon_text_plain_is_accepted_and_other_types_are_not(h: Harness) -> None:
    beacon = await h.client.post(
        "/events/pageview",
        content=json.dumps({"path": "/beacon"}),
        headers={"content-type": "text/plain;charset=UTF-8", "user-agent": CHROME},
    )
    assert (beacon.status_code, beacon.json()) == (202, {"accepted": 1})
    form = await h.client.post("/events/pageview", data={"path": "/"}, headers={"user-agent": CHROME})
    assert (form.status_code, error_code(form)) == (415, "unsupported_media_type")
    assert [e["path"] for e in await raw_events(h)] == ["/beacon"]


async def test_opt_out_and_bots_are_dropped_with_their_reason(h: Harness) -> None:
    cases = [
        ({"sec-gpc": "1"}, CHROME, "opted_out"),
        ({"dnt": "1"}, CHROME, "opted_out"),
        ({}, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bot"),
        ({}, CHROME.replace("Chrome/", "HeadlessChrome/"), "bot"),
        ({}, "curl/8.5.0", "bot"),
        ({}, "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "bot"),
        ({}, "", "bot"),
    ]
    for headers, ua, reason in cases:
        response = await h.post("pageview", {"path": "/"}, ua=ua, **headers)
        assert response.status_code == 202
        assert response.headers["x-analytics-dropped"] == reason, ua
        assert response.json() == {"accepted": 0, "dropped": reason}
    assert await raw_events(h) == []
    assert await h.keys() == []  # not even a salt: dropped requests never reach Redis


async def test_dnt_is_counted_when_configured_off() -> None:
    async with harness(ANALYTICS_HONOR_DNT=False) as h:
        response = await h.post("pageview", {"path": "/"}, dnt="1")
        assert "x-analytics-dropped" not in response.headers
        gpc = await h.post("pageview", {"path": "/"}, **{"sec-gpc": "1"})
        assert gpc.headers["x-analytics-dropped"] == "opted_out"


def test_bot_list_keeps_browsers() -> None:
    assert not is_bot(CHROME)
    assert not is_bot(FIREFOX)
    assert is_bot("Googlebot/2.1 (+http://www.google.com/bot.html)")
    assert is_bot("python-requests/2.32")


async def test_token_bucket_per_visitor() -> None:
    async with harness(ANALYTICS_RATE_LIMIT_BURST=5, ANALYTICS_RATE_LIMIT_PER_SECOND=1) as h:
        three = {"events": [{"type": "pageview", "path": "/"}] * 3}
        assert "x-analytics-dropped" not in (await h.post("batch", three)).headers
        limited = await h.post("batch", three)
        assert limited.headers["x-analytics-dropped"] == "rate_limited"
        # Another visitor has a bucket of their own.
        assert "x-analytics-dropped" not in (await h.post("batch", three, ip=IP_GERMANY)).headers
        h.clock.advance(seconds=1)  # 2 left + 1 refilled
        assert "x-analytics-dropped" not in (await h.post("batch", three)).headers
        assert (await h.post("pageview", {"path": "/"})).headers["x-analytics-dropped"] == "rate_limited"
        h.clock.advance(seconds=60)  # refills up to the burst only
        assert (
            "x-analytics-dropped"
            not in (await h.post("batch", {"events": three["events"] + three["events"][:2]})).headers
        )
        assert (await h.post("pageview", {"path": "/"})).headers["x-analytics-dropped"] == "rate_limited"
        assert len(await raw_events(h)) == 3 + 3 + 3 + 5


async def test_forwarded_for_is_ignored_without_trusted_proxies() -> None:
    async with harness(TRUSTED_PROXY_COUNT=0) as h:
        await h.post("pageview", {"path": "/"}, ip=IP_LONDON)
        await h.post("pageview", {"path": "/"}, ip=IP_GERMANY)
        visitors = {e["visitor"] for e in await raw_events(h)}
        assert len(visitors) == 1  # both came from the same peer with the same browser
    async with harness(TRUSTED_PROXY_COUNT=1) as h:
        await h.post("pageview", {"path": "/"}, ip=IP_LONDON)
        await h.post("pageview", {"path": "/"}, ip=IP_GERMANY)
        assert len({e["visitor"] for e in await raw_events(h)}) == 2
        # Entries left of the proxy's are the client's own claims: forging them changes nothing.
        await h.post("pageview", {"path": "/"}, ip=f"6.6.6.6, {IP_LONDON}")
        await h.post("pageview", {"path": "/"}, ip=f"7.7.7.7, {IP_LONDON}")
        visitors = [e["visitor"] for e in await raw_events(h)]
        assert visitors[2] == visitors[3] == visitors[0]


async def test_cors_allow_list(h: Harness) -> None:
    allowed = "http://localhost:5173"
    preflight = await h.client.options(
        "/events/pageview",
        headers={
            "origin": allowed,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == allowed
    refused = await h.client.options(
        "/events/pageview",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in refused.headers
    posted = await h.post("pageview", {"path": "/"}, origin=allowed)
    assert posted.headers["access-control-allow-origin"] == allowed
    assert "X-Analytics-Dropped" in posted.headers["access-control-expose-headers"]


@pytest.mark.parametrize("kind", ["city", "country"])
async def test_geography_from_a_generated_mmdb(tmp_path: Path, kind: str) -> None:
    write = write_city_mmdb if kind == "city" else write_country_mmdb
    async with harness(GEOIP_DB_PATH=str(write(tmp_path / f"{kind}.mmdb"))) as h:
        for ip in (IP_LONDON, IP_GERMANY, "10.1.2.3"):
            await h.post("pageview", {"path": "/"}, ip=ip)
        places = [(e["country"], e["city"]) for e in await raw_events(h)]
        if kind == "city":
            assert places == [("GB", "London"), ("DE", None), ("unknown", None)]
        else:
            assert places == [("GB", None), ("unknown", None), ("unknown", None)]
        geography = (await h.summary())["geography"]
        countries = {c["country"]: c["visits"] for c in geography["countries"]}
        assert countries == ({"GB": 1, "DE": 1, "unknown": 1} if kind == "city" else {"GB": 1, "unknown": 2})
        # The credit follows the database's type: GeoLite2 asks for one, a commercial GeoIP2 does not.
        maxmind = {"text": "GeoLite2 data created by MaxMind", "url": "https://www.maxmind.com"}
        assert geography["attribution"] == (None if kind == "city" else maxmind)


class Feed:
    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    def notify(self, events: list[dict[str, Any]]) -> None:
        self.calls.append(events)


@pytest.fixture
def feed(h: Harness) -> Iterator[Feed]:
    previous = getattr(h.api.state, "realtime", None)
    h.api.state.realtime = Feed()
    yield h.api.state.realtime
    h.api.state.realtime = previous


async def test_recorded_events_are_handed_to_the_realtime_feed(h: Harness, feed: Feed) -> None:
    await h.post(
        "batch", {"events": [{"type": "pageview", "path": "/a"}, {"type": "search", "query": "RAG"}]}
    )
    await h.post("pageview", {"path": "/"}, **{"sec-gpc": "1"})
    assert len(feed.calls) == 1
    assert [(e["type"], e["path"], e["query"]) for e in feed.calls[0]] == [
        ("pageview", "/a", None),
        ("search", None, "rag"),
    ]
    assert feed.calls[0] == await raw_events(h)


async def test_ingestion_routes_are_documented_and_measured(h: Harness) -> None:
    schema = (await h.client.get("/openapi.json")).json()
    for name in ("pageview", "click", "search", "engagement", "batch"):
        operation = schema["paths"][f"/events/{name}"]["post"]
        assert set(operation["requestBody"]["content"]) == {"application/json", "text/plain"}
        assert {"202", "400", "413", "422"} <= set(operation["responses"])
    await h.post("pageview", {"path": "/"})
    wrong_method = await h.client.get("/events/pageview")
    assert (wrong_method.status_code, error_code(wrong_method)) == (405, "method_not_allowed")
    metrics = (await h.client.get("/internal/metrics")).text
    assert 'route="/events/pageview",service="analytics",status="202"' in metrics


async def test_a_beacon_cut_off_mid_body_is_a_quiet_400_and_records_nothing(h: Harness) -> None:
    """``sendBeacon`` from a closing page can lose its connection before the body has arrived."""
    messages = iter(
        [
            {"type": "http.request", "body": b'{"path": "/pap', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/events/pageview",
        "raw_path": b"/events/pageview",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"text/plain"), (b"user-agent", CHROME.encode())],
        "client": ("203.0.113.5", 50000),
        "server": ("analytics", 80),
    }
    await h.api(scope, receive, send)

    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 400
    assert json.loads(body)["error"]["code"] == "client_disconnected"
    assert await raw_events(h) == []


async def test_the_short_path_and_the_documented_routes_answer_alike(h: Harness) -> None:
    """Beacons skip the FastAPI stack (api/short_path.py); the app's own routes must agree with it."""
    through_app = httpx.AsyncClient(transport=httpx.ASGITransport(app=h.api), base_url="http://analytics")
    async with through_app:
        for body in (b'{"path": "/a"}', b"{not json", b'{"path": 5}', b"[]"):
            headers = {"content-type": "text/plain", "user-agent": CHROME, "x-forwarded-for": IP_LONDON}
            short = await h.client.post("/events/pageview", content=body, headers=headers)
            routed = await through_app.post("/events/pageview", content=body, headers=headers)
            assert (short.status_code, short.json()) == (routed.status_code, routed.json()), body
        wrong_method = await h.client.get("/events/pageview")
        assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
        assert (
            wrong_method.json()["error"]["code"]
            == (await through_app.get("/events/pageview")).json()["error"]["code"]
        )
