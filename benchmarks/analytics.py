"""Analytics benchmark: ingestion beside a bare FastAPI endpoint, the summary at 1,000,000 events,
Redis memory per million events.

- Ingestion: ``POST /events/pageview`` (one event a request) and ``/events/batch`` (10 events) to one
  uvicorn worker of the real service over loopback, from ``--concurrency`` keep-alive connections,
  2,000 distinct visitors (``X-Forwarded-For`` behind one trusted proxy, real browser
  User-Agents); beside it, in the same run, a bare FastAPI endpoint (``bare_app`` below, one
  worker) that parses the same body with the same pydantic model and answers 202. Targets:
  ≥ 4,000 events/s, p99 ≤ 25 ms, ≥ 50 % of the bare endpoint's rate.
- ``GET /metrics/summary`` p50/p99 for each period with ``--events`` events (default 1,000,000)
  recorded over the last 30 days (written through the real intake and Lua writer, in process, to
  save time; the HTTP path is what the first part measures), cache off. Target p99 ≤ 20 ms, judged
  on one connection (a dashboard's reads); eight connections show the throughput.
- Redis memory of everything the service stored, per million events, split into raw streams,
  aggregates and short-lived keys (sessions, token buckets, ...), from ``MEMORY USAGE``.

Keys live under a unique prefix in Redis db 13 and are deleted at the end (never flushed).
Run alone with ``uv run python -m benchmarks.analytics`` (``--events 200000`` for a quicker run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from fastapi import FastAPI, Response
from redis.asyncio import Redis

from benchmarks.load import measure
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.events.geo import GeoLocator
from portfolio_analytics.events.intake import Context, Intake
from portfolio_analytics.events.schemas import ClickIn, EngagementIn, EventIn, PageviewIn, SearchIn
from scripts.stack import ROOT, free_port, running, wait_for

REDIS_URL = "redis://127.0.0.1:6379/13"
TARGET_RATE = 4000.0
TARGET_INGEST_P99_MS = 25.0
TARGET_BARE_RATIO = 0.50
TARGET_SUMMARY_P99_MS = 20.0
BIN = Path(sys.executable).parent
UAS = [
    f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/13{n}.0.0.0 Safari/537.36"
    for n in range(10)
] + [
    f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:13{n}.0) Gecko/20100101 Firefox/13{n}.0" for n in range(10)
]

bare_app = FastAPI()


@bare_app.post("/events/pageview", status_code=202)
async def bare_pageview(event: PageviewIn) -> Response:
    """What any FastAPI endpoint does with this body: parse, validate, answer."""
    return Response('{"accepted":1}', status_code=202, media_type="application/json")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# -- ingestion over HTTP ---------------------------------------------------------------------------


async def _post_load(
    url: str, bodies: list[bytes], requests: int, concurrency: int
) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) for ``requests`` POSTs over ``concurrency`` connections."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        counter = iter(range(requests))
        # Warm-up requests spread over the same visitors as the measured ones (no bucket runs dry).
        warm_counter = iter(range(requests, requests + 20 * concurrency))

        async def worker(warm: int) -> None:
            nonlocal errors
            for n in counter if warm == 0 else warm_counter:
                headers = {
                    "content-type": "application/json",
                    "user-agent": UAS[n % len(UAS)],
                    "x-forwarded-for": f"100.64.{n % 2000 // 250}.{n % 250}",
                }
                start = time.perf_counter()
                try:
                    async with session.post(url, data=bodies[n % len(bodies)], headers=headers) as response:
                        await response.read()
                        if response.status != 202 or "X-Analytics-Dropped" in response.headers:
                            errors += 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                if warm == 0:
                    latencies.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(worker(20) for _ in range(concurrency)))  # warm connections and caches
        errors = 0
        started = time.perf_counter()
        await asyncio.gather(*(worker(0) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * len(latencies)) - 1)]
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors


def _pageview_bodies() -> list[bytes]:
    return [
        json.dumps(
            {
                "url": f"https://portfolio.example/papers/2411.{n:05d}",
                "referrer": "https://news.ycombinator.com/item?id=1",
                "title": f"Paper {n}",
                "props": {"paper_id": f"2411.{n:05d}", "topics": ["llm", "agents"]},
            }
        ).encode()
        for n in range(200)
    ]


def _batch_bodies() -> list[bytes]:
    events: list[dict[str, Any]] = [
        {"type": "pageview", "path": "/papers", "referrer": "https://www.google.com/"},
        {"type": "search", "query": "retrieval augmented generation", "results_count": 12, "search_id": "s"},
        {"type": "click", "target": "2411.00001", "kind": "paper", "props": {"topics": ["rag"]}},
        {"type": "pageview", "path": "/papers/2411.00001", "props": {"paper_id": "2411.00001"}},
        {"type": "engagement", "path": "/papers/2411.00001", "engaged_ms": 42_000},
    ]
    return [json.dumps({"events": events + events}).encode()]


# -- bulk load (in process) ------------------------------------------------------------------------


def _visitor_events(rng: random.Random) -> list[EventIn]:
    paper = f"24{rng.randrange(10, 12)}.{rng.randrange(500):05d}"
    topics = rng.sample(
        ["llm", "agents", "rag", "vision", "rl", "diffusion", "speech", "robotics", "safety"], 2
    )
    events: list[EventIn] = [
        PageviewIn(
            url=f"https://portfolio.example/{rng.choice(['', 'projects', 'papers', 'about'])}",
            referrer=rng.choice(
                ["", "https://www.google.com/", "https://news.ycombinator.com/", "https://x.com/"]
            ),
        ),
        PageviewIn(path=f"/papers/{paper}", props={"paper_id": paper, "topics": topics}),
        EngagementIn(path=f"/papers/{paper}", engaged_ms=rng.randrange(1_000, 300_000)),
    ]
    if rng.random() < 0.5:
        sid = uuid.uuid4().hex[:12]
        events.append(
            SearchIn(query=f"query {rng.randrange(2000)}", results_count=rng.randrange(50), search_id=sid)
        )
        if rng.random() < 0.6:
            events.append(ClickIn(target=paper, kind="paper", search_id=sid, props={"topics": topics}))
    if rng.random() < 0.1:
        events.append(ClickIn(target=paper, kind="share"))
    while len(events) < 10 and rng.random() < 0.6:
        events.append(PageviewIn(path=f"/page/{rng.randrange(200)}"))
    return events


async def bulk_load(settings: AnalyticsSettings, total: int, days: int = 30) -> tuple[int, float]:
    """Record about ``total`` events spread over the last ``days`` UTC days; (events, seconds)."""
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    intake = Intake(settings, GeoLocator(None))
    rng = random.Random(7)
    now_ms = int(time.time() * 1000)
    day_ms = 86_400_000
    today_start = now_ms - now_ms % day_ms
    per_day = total // days
    written = 0
    started = time.perf_counter()
    try:
        for back in range(days - 1, -1, -1):
            start = today_start - back * day_ms
            end = now_ms if back == 0 else start + day_ms - 1
            batch: list[tuple[list[EventIn], Context]] = []
            day_events = 0
            visitor = 0
            while day_events < per_day:
                events = _visitor_events(rng)
                ip = f"10.{visitor // 65536 % 256}.{visitor // 256 % 256}.{visitor % 256}"
                moment = rng.randrange(start, end)
                batch.append(
                    (events, Context(peer=ip, headers={"user-agent": UAS[visitor % 20]}, now_ms=moment))
                )
                day_events += len(events)
                visitor += 1
            batch.sort(key=lambda item: item[1].now_ms)
            for offset in range(0, len(batch), 256):
                chunk = batch[offset : offset + 256]
                outcomes = await asyncio.gather(*(intake.accept(redis, ev, ctx) for ev, ctx in chunk))
                written += sum(len(o.recorded) for o in outcomes)
            print(f"  loading: {written:,} events", end="\r", file=sys.stderr, flush=True)
    finally:
        await redis.aclose()
    return written, time.perf_counter() - started


async def memory_by_kind(redis_url: str, prefix: str) -> dict[str, int]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    sizes = {"raw streams": 0, "aggregates": 0, "short-lived": 0}
    try:
        batch: list[str] = []

        async def flush() -> None:
            async with redis.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.memory_usage(key, samples=0)
                used = await pipe.execute()
            for key, size in zip(batch, used, strict=True):
                kind = key.split(":", 2)[1]
                group = (
                    "raw streams"
                    if kind == "raw"
                    else "aggregates"
                    if kind in ("day", "hour")
                    else "short-lived"
                )
                sizes[group] += size or 0
            batch.clear()

        async for key in redis.scan_iter(match=f"{prefix}:*", count=5000):
            batch.append(key)
            if len(batch) >= 2000:
                await flush()
        if batch:
            await flush()
    finally:
        await redis.aclose()
    return sizes


async def delete_prefix(redis_url: str, prefix: str) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        batch = []
        async for key in redis.scan_iter(match=f"{prefix}:*", count=5000):
            batch.append(key)
            if len(batch) >= 5000:
                await redis.unlink(*batch)
                batch.clear()
        if batch:
            await redis.unlink(*batch)
    finally:
        await redis.aclose()


# -- the run -------------------------------------------------------------------------------------


def _uvicorn(app: str, port: int) -> list[str]:
    return [str(BIN / "uvicorn"), app, "--port", str(port), "--no-access-log", "--log-level", "warning"]


def _rate_line(label: str, rate: float, p50: float, p99: float, extra: str = "") -> str:
    return f"    {label:<28}{rate:8.0f} events/s  p50 {p50:5.1f} ms  p99 {p99:5.1f} ms{extra}"


def ingestion_lines(
    base: str, bare: tuple[float, float, float, int], requests: int, concurrency: int
) -> list[str]:
    """Single-event and batched ingestion against the running service, beside the bare figures."""
    single = asyncio.run(_post_load(f"{base}/events/pageview", _pageview_bodies(), requests, concurrency))
    batched = asyncio.run(_post_load(f"{base}/events/batch", _batch_bodies(), requests // 10, concurrency))
    ratio = single[0] / bare[0]
    met = single[0] >= TARGET_RATE and single[2] <= TARGET_INGEST_P99_MS and ratio >= TARGET_BARE_RATIO
    target = f"target ≥ {TARGET_RATE:,.0f}/s, p99 ≤ {TARGET_INGEST_P99_MS:.0f} ms"
    target += f", ≥ {TARGET_BARE_RATIO:.0%} of bare"
    return [
        f"  ingestion, 1 uvicorn worker, {concurrency} connections, {requests:,} requests each:",
        _rate_line("bare FastAPI (parse only)", *bare[:3]),
        _rate_line("POST /events/pageview", *single[:3], f"  {ratio:4.0%} of bare, errors {single[3]}"),
        f"      ({target})  {verdict(met and not single[3])}",
        _rate_line("POST /events/batch (10)", batched[0] * 10, *batched[1:3], f"  errors {batched[3]}"),
    ]


def summary_lines(base: str) -> list[str]:
    """The target is judged on one connection (a dashboard); eight show the throughput."""
    lines = []
    for period in ("today", "7d", "30d"):
        for connections in (1, 8):
            result = measure(
                f"{base}/metrics/summary?period={period}", requests=1000, concurrency=connections
            )
            met = result.p99_ms <= TARGET_SUMMARY_P99_MS and not result.errors
            judged = (
                f"  (target p99 ≤ {TARGET_SUMMARY_P99_MS:.0f} ms)  {verdict(met)}" if connections == 1 else ""
            )
            lines.append(
                f"  GET /metrics/summary?period={period:<5} cache off, {connections} conn.:"
                f" {result.rps:6.0f} req/s  p50 {result.p50_ms:5.1f} ms  p99 {result.p99_ms:5.1f} ms"
                f"  errors {result.errors}{judged}"
            )
    return lines


def run(events: int = 1_000_000, requests: int = 20_000, concurrency: int = 16) -> list[str]:
    lines = ["", "analytics"]
    prefix = f"bench-analytics-{uuid.uuid4().hex[:8]}"
    env = {
        "PATH": str(BIN),
        "REDIS_URL": REDIS_URL,
        "ANALYTICS_REDIS_PREFIX": prefix,
        "TRUSTED_PROXY_COUNT": "1",
        "ANALYTICS_DASHBOARD_PUBLIC": "true",
        "ANALYTICS_SUMMARY_CACHE_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "development",
    }
    settings = AnalyticsSettings(
        REDIS_URL=REDIS_URL, ANALYTICS_REDIS_PREFIX=prefix, ENVIRONMENT="development"
    )
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp_dir:
        tmp = Path(tmp_dir)
        try:
            bare_port, port = free_port(), free_port()
            bare_url = f"http://127.0.0.1:{bare_port}"
            with running(
                _uvicorn("benchmarks.analytics:bare_app", bare_port), env, ROOT, tmp / "bare.log"
            ) as proc:
                wait_for([f"{bare_url}/docs"], proc, timeout=60)
                bare = asyncio.run(
                    _post_load(f"{bare_url}/events/pageview", _pageview_bodies(), requests, concurrency)
                )
            base = f"http://127.0.0.1:{port}"
            with running(
                _uvicorn("portfolio_analytics.main:app", port), env, ROOT, tmp / "analytics.log"
            ) as proc:
                wait_for([f"{base}/health"], proc, timeout=60)
                lines += ingestion_lines(base, bare, requests, concurrency)
                loaded, seconds = asyncio.run(bulk_load(settings, max(0, events - 2 * requests)))
                lines.append(
                    f"  loaded {loaded:,} more events over 30 days in process: "
                    f"{loaded / seconds:,.0f} events/s (the Lua writer, group commit)"
                )
                lines += summary_lines(base)
            total = loaded + 2 * requests
            sizes = asyncio.run(memory_by_kind(REDIS_URL, prefix))
            per_million = {kind: size / total * 1_000_000 / 2**20 for kind, size in sizes.items()}
            lines.append(
                f"  Redis memory per million events: {sum(per_million.values()):6.1f} MiB ("
                + ", ".join(f"{kind} {mib:.1f} MiB" for kind, mib in per_million.items())
                + f"; {total:,} events stored)"
            )
        finally:
            asyncio.run(delete_prefix(REDIS_URL, prefix))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analytics")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print("\n".join(run(args.events, args.requests, args.concurrency)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
