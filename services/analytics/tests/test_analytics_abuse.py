"""One client cannot grow Redis without bound: a budget per client address whatever its User-Agent,
at most ``ANALYTICS_DISTINCT_PER_SET`` members per daily (and hourly) set with the rest counted as
``(other)``, every stored string clipped, and User-Agents cut before anything reads them."""

from __future__ import annotations

import random
import string
from typing import Any

import httpx
from ingest_support import CHROME, IP_GERMANY, IP_LONDON, REDIS_URL, Harness, harness, raw_events

from portfolio_analytics.events.intake import STORED_TEXT_MAX
from portfolio_analytics.events.privacy import USER_AGENT_MAX

ATTACKER = "198.51.100.66"
MiB = 2**20


def dropped(response: httpx.Response) -> str | None:
    assert response.status_code == 202, response.text
    return response.headers.get("x-analytics-dropped")


async def memory_of(h: Harness) -> int:
    """Bytes of this test's keys (``MEMORY USAGE`` of each, every element sampled)."""
    total = 0
    async for key in h.redis.scan_iter(match=f"{h.prefix}:*", count=1000):
        total += await h.redis.memory_usage(key, samples=0) or 0
    return total


def searches(queries: list[str]) -> dict[str, Any]:
    return {"events": [{"type": "search", "query": q} for q in queries]}


async def test_one_address_has_one_budget_whatever_its_user_agent() -> None:
    async with harness(ANALYTICS_IP_BUDGET_BURST=10, ANALYTICS_IP_BUDGET_PER_SECOND=1) as h:
        five = {"events": [{"type": "pageview", "path": "/"}] * 5}
        assert dropped(await h.post("batch", five, ua=f"{CHROME} one")) is None
        assert dropped(await h.post("batch", five, ua=f"{CHROME} two")) is None
        # A third browser (a fresh visitor bucket) from the same address: the address's budget is spent.
        assert dropped(await h.post("batch", five, ua=f"{CHROME} three")) == "rate_limited"
        assert dropped(await h.post("batch", five, ip=IP_GERMANY)) is None  # another address
        h.clock.advance(seconds=5)  # refilled at 1 event a second
        assert dropped(await h.post("batch", five, ua=f"{CHROME} four")) is None
        assert dropped(await h.post("pageview", {"path": "/"}, ua=f"{CHROME} five")) == "rate_limited"
        assert len(await raw_events(h)) == 20
        # The budget is kept under the address's hash, never the address.
        budgets = [key for key in await h.keys() if key.startswith(f"{h.prefix}:ip:")]
        assert len(budgets) == 2
        assert not any(ip in key for key in await h.keys() for ip in (IP_LONDON, IP_GERMANY))


async def test_the_addresses_of_one_ipv6_network_share_one_budget() -> None:
    async with harness(ANALYTICS_IP_BUDGET_BURST=10, ANALYTICS_IP_BUDGET_PER_SECOND=1) as h:
        five = {"events": [{"type": "pageview", "path": "/"}] * 5}
        assert dropped(await h.post("batch", five, ip="2001:db8:7:7::1")) is None
        assert dropped(await h.post("batch", five, ip="2001:db8:7:7:a:b:c:d")) is None
        assert dropped(await h.post("batch", five, ip="2001:db8:7:7:ffff::2")) == "rate_limited"
        assert dropped(await h.post("batch", five, ip="2001:db8:7:8::1")) is None  # another /64
        # Visitors stay per address: three accepted addresses, three visitors.
        assert len({event["visitor"] for event in await raw_events(h)}) == 3


async def test_rotating_user_agents_from_one_address_cannot_grow_redis() -> None:
    """The issue's test: 2,000 batches of 70 random 180-character queries, a new User-Agent each."""
    rng = random.Random(14)
    async with harness() as h:
        # Real traffic first: its aggregates and the day's salt must come through the flood.
        for n, ip in enumerate([IP_LONDON, IP_GERMANY, "203.0.113.5"]):
            assert (
                dropped(
                    await h.post("pageview", {"path": "/papers", "referrer": "https://news.example"}, ip=ip)
                )
                is None
            )
            assert (
                dropped(await h.post("search", {"query": "Transformers"}, ip=ip, ua=f"{CHROME} {n}")) is None
            )
        before = await h.summary()
        day = h.clock.now.date().isoformat()
        salt = await h.redis.get(f"{h.prefix}:salt:{day}")
        assert salt
        start = await memory_of(h)

        refused = 0
        for i in range(2000):
            queries = ["".join(rng.choices(string.ascii_lowercase, k=180)) for _ in range(70)]
            ua = f"Mozilla/5.0 (X11; Linux x86_64; rv:{i}.0) Gecko/20100101 Firefox/{i}.0"
            response = await h.post("batch", searches(queries), ip=ATTACKER, ua=ua)
            refused += dropped(response) == "rate_limited"
            h.clock.advance(milliseconds=10)  # 2,000 requests in 20 seconds

        growth = await memory_of(h) - start
        assert growth <= 20 * MiB, f"analytics keys grew by {growth / MiB:.1f} MiB"
        assert refused > 1900
        assert await h.redis.get(f"{h.prefix}:salt:{day}") == salt
        after = await h.summary()
        assert after["pageViews"] == before["pageViews"]
        assert after["referrers"] == before["referrers"]
        assert {"query": "transformers", "count": 3} in after["searches"]["topQueries"]


async def test_each_days_set_holds_at_most_the_cap_and_counts_the_rest_as_other() -> None:
    async with harness(ANALYTICS_DISTINCT_PER_SET=10, ANALYTICS_IP_BUDGET_BURST=100_000) as h:
        assert dropped(await h.post("search", {"query": "transformers"})) is None
        assert dropped(await h.post("pageview", {"path": "/papers"})) is None
        await h.summary("7d")  # the 7-day period keys exist from now on; the writer adds to them
        new_queries = [f"query number {n}" for n in range(30)]
        assert dropped(await h.post("batch", searches(new_queries), ua=f"{CHROME} q")) is None
        pages = {"events": [{"type": "pageview", "path": f"/page/{n}"} for n in range(30)]}
        assert dropped(await h.post("batch", pages, ua=f"{CHROME} p")) is None
        # A member the set holds keeps counting as itself once the set is full.
        assert dropped(await h.post("search", {"query": "transformers"}, ua=f"{CHROME} again")) is None

        day = h.clock.now.date().isoformat()
        hour = h.clock.now.strftime("%Y-%m-%dT%H")
        for key, total in [
            (f"{h.prefix}:day:{day}:queries", 32),
            (f"{h.prefix}:hour:{hour}:queries", 32),
            (f"{h.prefix}:day:{day}:pages", 31),
        ]:
            members = dict(await h.redis.zrange(key, 0, -1, withscores=True))
            assert len(members) == 11, key  # ten members and (other)
            assert sum(members.values()) == total  # nothing is lost, only folded
            assert members["(other)"] == total - sum(v for m, v in members.items() if m != "(other)")
        queries = dict(await h.redis.zrange(f"{h.prefix}:day:{day}:queries", 0, -1, withscores=True))
        assert queries["transformers"] == 2
        assert queries["(other)"] == 21

        week = await h.summary("7d", limit=50)
        assert {"query": "(other)", "count": 21} in week["searches"]["topQueries"]
        assert {"query": "transformers", "count": 2} in week["searches"]["topQueries"]
        assert {"path": "(other)", "views": 21} in week["pageViews"]["byPage"]
        # Many different new queries are not one rising query.
        trending = (await h.client.get("/metrics/trending", params={"period": "today"})).json()
        assert [row["query"] for row in trending["queries"]] == ["transformers"]


async def test_every_stored_string_is_clipped() -> None:
    host = ".".join(["a" * 60] * 4) + ".example"  # a valid 253-character host name
    async with harness() as h:
        view = {
            "path": "/" + "p" * 1500,
            "referrer": f"https://{host}/x",
            "title": "t" * 300,
            "props": {"note": "n" * 300, "paper_id": "2401." + "9" * 290, "topics": "topic " * 50},
        }
        assert dropped(await h.post("pageview", view)) is None
        share = {"type": "click", "kind": "share", "target": "s" * 500}
        paper = {"type": "click", "kind": "paper", "target": "c" * 500}
        assert dropped(await h.post("batch", {"events": [share, paper]})) is None
        assert dropped(await h.post("search", {"query": "q" * 500})) is None

        def strings(value: Any) -> list[str]:
            if isinstance(value, str):
                return [value]
            if isinstance(value, dict):
                return [s for item in value.values() for s in strings(item)]
            if isinstance(value, list):
                return [s for item in value for s in strings(item)]
            return []

        stored = [s for event in await raw_events(h) for s in strings(event)]
        for key in await h.keys():
            if await h.redis.type(key) == "zset":
                stored += [str(m) for m in await h.redis.zrange(key, 0, -1)]
        assert max(len(s) for s in stored) == STORED_TEXT_MAX
        assert "/" + "p" * (STORED_TEXT_MAX - 1) in stored  # clipped, not dropped


async def test_user_agents_are_cut_before_the_bot_check_and_the_visitor_hash() -> None:
    padded = f"{CHROME} {'x' * USER_AGENT_MAX}"
    async with harness() as h:
        # Past the cut, a bot's marker is never read (a 30 KB User-Agent costs no regex time).
        assert (
            dropped(await h.post("pageview", {"path": "/"}, ua=f"{padded} Googlebot/2.1 {'y' * 30_000}"))
            is None
        )
        assert dropped(await h.post("pageview", {"path": "/"}, ua=padded[:USER_AGENT_MAX])) is None
        first, second = await raw_events(h)
        assert first["visitor"] == second["visitor"]  # the same browser, as far as anyone can tell
        assert "xxxxxxxx" not in str(await raw_events(h))


async def test_analytics_state_goes_to_analytics_redis_url() -> None:
    # REDIS_URL names a server that does not exist: nothing may use it once ANALYTICS_REDIS_URL is set.
    async with harness(REDIS_URL="redis://127.0.0.1:1/0", ANALYTICS_REDIS_URL=REDIS_URL) as h:
        assert dropped(await h.post("pageview", {"path": "/"})) is None
        assert (await h.client.get("/ready")).status_code == 200
        assert len(await raw_events(h)) == 1


async def test_retention_of_queries_and_props_is_configurable() -> None:
    async with harness(ANALYTICS_QUERY_RETENTION_DAYS=60, ANALYTICS_PROPS_RETENTION_DAYS=70) as h:
        view = {"path": "/papers/1", "props": {"paper_id": "2401.00001", "topics": ["agents"]}}
        assert dropped(await h.post("pageview", view)) is None
        assert dropped(await h.post("search", {"query": "agents"})) is None
        day = h.clock.now.date().isoformat()

        async def days_kept(name: str) -> float:
            return await h.redis.ttl(f"{h.prefix}:day:{day}:{name}") / 86_400

        assert 59.9 < await days_kept("queries") <= 60
        assert 69.9 < await days_kept("topics") <= 70
        assert 69.9 < await days_kept("papers:viewed") <= 70
        assert 399.9 < await days_kept("pages") <= 400  # ANALYTICS_AGGREGATE_RETENTION_DAYS
