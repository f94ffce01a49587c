"""Public reads are limited per client address (behind the trusted proxies; IPv6 per /64), cache hits
included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _limit_on(settings: Any) -> None:
    settings.PUBLIC_READ_RATE_LIMIT = LIMIT
    settings.PUBLIC_READ_RATE_WINDOW_SECONDS = 60


def client_of(api: APIClient, address: str, *, proxy: str | None = None) -> dict[str, str]:
    if proxy is None:
        return {"REMOTE_ADDR": address}
    return {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": address}


def fresh_address() -> str:
    # 2001:db8::/32 is documentation space; a fresh /64 per test keeps runs in one window apart.
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


@pytest.mark.parametrize(
    "path", ["/api/papers/", "/api/papers/feed.xml", "/api/profile/", "/api/papers/scrape-status/"]
)
def test_a_client_over_the_limit_gets_429_with_retry_after_and_the_envelope(
    api: APIClient, path: str, settings: Any
) -> None:
    settings.SCRAPER_URL = "http://127.0.0.1:9"  # scrape-status's upstream need not answer
    visitor = client_of(api, fresh_address())
    for _ in range(LIMIT):
        assert api.get(path, **visitor).status_code != 429
    refused = api.get(path, **visitor)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert api.get(path, **client_of(api, fresh_address())).status_code != 429  # another client


def test_behind_a_proxy_the_forwarded_client_is_counted_not_the_proxy(api: APIClient, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = fresh_address()
    first, second = fresh_address(), fresh_address()
    for _ in range(LIMIT):
        assert api.get("/api/papers/", **client_of(api, first, proxy=proxy)).status_code == 200
    assert api.get("/api/papers/", **client_of(api, first, proxy=proxy)).status_code == 429
    # Same proxy, another visitor: a limit keyed on the peer would refuse this one.
    assert api.get("/api/papers/", **client_of(api, second, proxy=proxy)).status_code == 200
    # A forged leftmost entry does not make the first visitor someone else.
    forged = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": f"{fresh_address()}, {first}"}
    assert api.get("/api/papers/", **forged).status_code == 429


def test_the_addresses_of_one_ipv6_network_share_one_budget(api: APIClient) -> None:
    network = fresh_address().removesuffix("::1")
    for n in range(1, LIMIT + 1):
        address = f"{network}:{n:x}:{n:x}:{n:x}:{n:x}"
        assert api.get("/api/papers/", **client_of(api, address)).status_code == 200
    assert api.get("/api/papers/", **client_of(api, f"{network}::beef")).status_code == 429
    assert api.get("/api/papers/", **client_of(api, fresh_address())).status_code == 200  # another /64


def test_service_calls_webhooks_probes_and_limit_zero_are_not_counted(api: APIClient, settings: Any) -> None:
    visitor = client_of(api, fresh_address())
    for _ in range(LIMIT + 2):
        assert api.get("/health", **visitor).status_code == 200
        assert api.get("/api/internal/papers/bulk/", **visitor).status_code != 429
        assert api.get("/api/webhooks/scraper-complete/", **visitor).status_code != 429
    settings.PUBLIC_READ_RATE_LIMIT = 0
    for _ in range(LIMIT + 2):
        assert api.get("/api/papers/", **visitor).status_code == 200


def test_the_schema_documents_429_on_public_reads_only(api: APIClient) -> None:
    paths = api.get("/api/schema/", headers={"Accept": "application/json"}).json()["paths"]
    limited = paths["/api/papers/"]["get"]["responses"]["429"]
    assert "Retry-After" in limited["headers"]
    assert limited["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert "429" in paths["/api/papers/scrape-status/"]["get"]["responses"]
    assert "429" not in paths["/api/internal/papers/bulk/"]["post"]["responses"]
    assert "429" not in paths["/api/webhooks/scraper-complete/"]["post"]["responses"]


def test_a_window_counter_expires_with_its_window() -> None:
    import time

    from django.core.cache import cache

    from core_lib.ratelimit import public_reads

    limit, client = public_reads(), f"test-{uuid.uuid4().hex}"
    started = int(time.time() // limit.window_seconds)
    limit.hit(client)
    limit.hit(client)
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    windows = (started, started + 1)  # the hits may straddle a window's end
    keys = [cache.make_and_validate_key(f"ratelimit:public-read:{client}:{w}") for w in windows]
    counted = [key for key in keys if redis.exists(key)]
    assert counted, "the hits were counted under the window's key"
    assert int(redis.get(counted[0])) in (1, 2)
    assert 0 < redis.ttl(counted[0]) <= limit.window_seconds + 1


def test_a_large_limit_is_counted_in_batches_and_enforced_to_the_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    from core_lib import ratelimit
    from portfolio_shared.errors import RateLimited

    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_000_000.0)  # one window throughout
    limit, client = ratelimit.FixedWindow("test-batch", 1000, 60), f"test-{uuid.uuid4().hex}"
    key = cache.make_and_validate_key(f"ratelimit:test-batch:{client}:{1_000_000 // 60}")
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    batch = int(1000 * ratelimit.BATCH_SHARE)
    for _ in range(batch - 1):
        limit.hit(client)
    assert redis.get(key) is None  # a partial batch costs no round trip
    limit.hit(client)
    assert int(redis.get(key)) == batch
    for _ in range(1000 - batch):
        limit.hit(client)
    assert int(redis.get(key)) == 1000
    with pytest.raises(RateLimited):
        limit.hit(client)  # one past the limit: the batch is added before deciding
    assert int(redis.get(key)) == 1001


def test_hits_another_process_counted_refuse_a_client_within_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    from core_lib import ratelimit
    from portfolio_shared.errors import RateLimited

    monkeypatch.setattr(ratelimit.time, "time", lambda: 2_000_000.0)
    limit, client = ratelimit.FixedWindow("test-shared", 1000, 60), f"test-{uuid.uuid4().hex}"
    key = cache.make_and_validate_key(f"ratelimit:test-shared:{client}:{2_000_000 // 60}")
    cache._cache.get_client().set(key, 1000, ex=61)  # type: ignore[attr-defined]  # other workers' hits
    allowed = 0
    with pytest.raises(RateLimited):
        for _ in range(1000):
            limit.hit(client)
            allowed += 1
    assert allowed < int(1000 * ratelimit.BATCH_SHARE)
