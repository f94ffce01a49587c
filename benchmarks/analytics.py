"""Analytics benchmark: ingestion beside a bare FastAPI endpoint, the summary at 1,000,000 events,
Redis memory per million events.

- Ingestion: ``POST /events/pageview`` (one event a request) and ``/events/batch`` (10 events) to one
  uvicorn worker of the real service over loopback, from ``--concurrency`` keep-alive connections
  driven by wrk (``benchmarks/wrk.py``: the Python generator cost as much CPU as the server),
  2,000 distinct visitors (``X-Forwarded-For`` behind one trusted proxy, real browser
  User-Agents); beside it, in the same run, a bare FastAPI endpoint (``bare_app`` below, one
  worker) that parses the same body with the same pydantic model and answers 202. Targets:
  ≥ 4,000 events/s, p99 ≤ 25 ms, ≥ 100 % of the bare endpoint's rate; any error or dropped
  event (``X-Analytics-Dropped``) fails them. The filter copies of a burst are folded after it (ADR
  14): the run reports how many events the queue held when the burst ended and how fast the
  service's fold then wrote them.
- ``GET /metrics/summary`` p50/p99 for each preset, a 365-day range and a 90-day custom range with
  ``--events`` events (default 1,000,000) recorded over the last 30 days (written through the real
  intake and Lua writer, in process, to save time; the HTTP path is what the first part measures),
  cache off, and ``30d`` under a page and a referrer-source filter. Targets p99 ≤ 20 ms for the
  presets, ≤ 100 ms for the ranges and the filtered summaries, judged on one
  connection (a dashboard's reads); eight connections show the throughput.
- Redis memory of everything the service stored, per million events, split into raw streams,
  aggregates, the filters' per-value copies (``{p}:f:*``) and short-lived keys (sessions, token
  buckets, ...), from ``MEMORY USAGE``.

Keys live under a unique prefix in Redis db 13 and are deleted at the end (never flushed).
Run alone with ``uv run python -m benchmarks.analytics`` (``--events 200000`` for a quicker run).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from redis.asyncio import Redis

from benchmarks import wrk
from benchmarks.load import Result, measure
from portfolio_analytics import keys
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.events.geo import GeoLocator
from portfolio_analytics.events.intake import Context, Intake
from portfolio_analytics.events.recorder import Recorder
from portfolio_analytics.events.schemas import ClickIn, EngagementIn, EventIn, PageviewIn, SearchIn
from scripts.stack import ROOT, free_port, running, wait_for

REDIS_URL = "redis://127.0.0.1:6379/13"
TARGET_RATE = 4000.0
TARGET_INGEST_P99_MS = 25.0
#: Issue 18: the new dimensions must not cost ingestion its rate against bare FastAPI.
TARGET_BARE_RATIO = 1.00
TARGET_SUMMARY_P99_MS = 20.0
#: Issue 18: a 365-day range (month roll-ups and edge days, ADR 13).
TARGET_RANGE_P99_MS = 100.0
#: A filtered summary (issue 18, ADR 13): the filter value's copy, merged per request.
TARGET_FILTER_P99_MS = 100.0
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

#: Distinct visitors the load comes from (each its own X-Forwarded-For). All are active in the
#: summary's realtime part, which reads every active visitor's page.
VISITORS = 2000


def _requests(host: str, path: str, bodies: list[bytes]) -> list[bytes]:
    """One prepared request per visitor, behind one trusted proxy, with a real browser's UA."""
    return [
        wrk.raw_post(
            host,
            path,
            bodies[n % len(bodies)],
            {
                "Content-Type": "application/json",
                "User-Agent": UAS[n % len(UAS)],
                "X-Forwarded-For": f"100.64.{n // 250}.{n % 250}",
            },
        )
        for n in range(VISITORS)
    ]


def _post_load(base: str, path: str, bodies: list[bytes], seconds: float, concurrency: int) -> Result:
    return wrk.run(
        base,
        _requests(base.removeprefix("http://"), path, bodies),
        seconds=seconds,
        connections=concurrency,
        expected_status=202,
        flag_header="X-Analytics-Dropped",
    )


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
    redis = Redis.from_url(settings.analytics_redis_url, decode_responses=True)
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
        await intake.aclose()
        await redis.aclose()
    return written, time.perf_counter() - started


async def queued_events(redis: Redis, prefix: str) -> int:
    """Events whose filter copies are still queued for the fold (``{p}:fold``, ADR 14)."""
    items = await redis.lrange(keys.fold_queue(prefix), 0, -1)
    return sum(len(json.loads(item)) for item in items)


async def fold_line(redis_url: str, prefix: str) -> str:
    """The queue the ingestion burst left, and the service's own fold writing it (it folds at full
    speed once its writer is idle)."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        queued = await queued_events(redis, prefix)
        started = time.perf_counter()
        while await redis.llen(keys.fold_queue(prefix)):  # noqa: ASYNC110 - another process empties it
            await asyncio.sleep(0.01)
        took = time.perf_counter() - started
    finally:
        await redis.aclose()
    rate = f"{queued / took:,.0f} events/s" if queued and took > 0 else "-"
    return (
        f"    filter copies: {queued:,} events queued when the load stopped, folded in {took:.1f} s ({rate})"
    )


async def drain(settings: AnalyticsSettings) -> None:
    """Fold what is still queued (the memory and the summaries count every copy)."""
    redis = Redis.from_url(settings.analytics_redis_url, decode_responses=True)
    recorder = Recorder(settings)
    try:
        await recorder.fold_all(redis, rounds=None)
    finally:
        await recorder.aclose()
        await redis.aclose()


async def stored_events(redis_url: str, prefix: str) -> int:
    """Events in the raw streams (every recorded event is in one; none is trimmed at this size)."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        streams = [key async for key in redis.scan_iter(match=f"{prefix}:raw:*", count=5000)]
        return sum([await redis.xlen(key) for key in streams])
    finally:
        await redis.aclose()


async def memory_by_kind(redis_url: str, prefix: str) -> dict[str, int]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    sizes = {"raw streams": 0, "aggregates": 0, "filter copies": 0, "short-lived": 0}
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
                    if kind in ("day", "hour", "month")
                    else "filter copies"
                    if kind == "f"
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
    # As the service runs (Procfile, Dockerfile): the app reads X-Forwarded-For itself.
    return [
        str(BIN / "uvicorn"),
        app,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--no-proxy-headers",
    ]


def _rate_line(label: str, result: Result, events_per_request: int = 1, extra: str = "") -> str:
    rate = result.rps * events_per_request
    latency = f"p50 {result.p50_ms:5.1f} ms  p99 {result.p99_ms:5.1f} ms"
    return f"    {label:<28}{rate:8.0f} events/s  {latency}{extra}"


def ingestion_lines(base: str, bare: Result, seconds: float, concurrency: int) -> list[str]:
    """Single-event and batched ingestion against the running service, beside the bare figures."""
    single = _post_load(base, "/events/pageview", _pageview_bodies(), seconds, concurrency)
    batched = _post_load(base, "/events/batch", _batch_bodies(), seconds, concurrency)
    ratio = single.rps / bare.rps
    met = single.rps >= TARGET_RATE and single.p99_ms <= TARGET_INGEST_P99_MS and ratio >= TARGET_BARE_RATIO
    target = f"target ≥ {TARGET_RATE:,.0f}/s, p99 ≤ {TARGET_INGEST_P99_MS:.0f} ms"
    target += f", ≥ {TARGET_BARE_RATIO:.0%} of bare"
    clean = not (single.errors or single.flagged)
    return [
        f"  ingestion, 1 uvicorn worker, {concurrency} connections from wrk, {seconds:g} s each:",
        _rate_line("bare FastAPI (parse only)", bare, extra=f"  errors {bare.errors}"),
        _rate_line(
            "POST /events/pageview",
            single,
            extra=f"  {ratio:4.0%} of bare, errors {single.errors}, dropped {single.flagged}",
        ),
        f"      ({target})  {verdict(met and clean)}",
        _rate_line(
            "POST /events/batch (10)",
            batched,
            10,
            f"  errors {batched.errors}, dropped {batched.flagged}",
        ),
    ]


def summary_queries() -> list[tuple[str, float]]:
    """The summary's queries and their p99 targets: the presets with their previous-period
    comparison, a year (the first read rolls up the closed months), and a 90-day range that ends
    before today (its previous period is read as well)."""
    today = time.gmtime()
    end = datetime.date(today.tm_year, today.tm_mon, today.tm_mday)
    ninety = (end - datetime.timedelta(days=100), end - datetime.timedelta(days=11))
    return [
        *((f"period={period}", TARGET_SUMMARY_P99_MS) for period in ("today", "7d", "30d")),
        ("period=365d", TARGET_RANGE_P99_MS),
        (f"from={ninety[0]}&to={ninety[1]}", TARGET_RANGE_P99_MS),
        # The largest page and a referrer source of the generator's traffic.
        ("period=30d&filter=page:/", TARGET_FILTER_P99_MS),
        ("period=30d&filter=source:www.google.com", TARGET_FILTER_P99_MS),
    ]


def summary_lines(base: str) -> list[str]:
    """The target is judged on one connection (a dashboard); eight show the throughput."""
    lines = []
    for query, target in summary_queries():
        for connections in (1, 8):
            result = measure(f"{base}/metrics/summary?{query}", requests=1000, concurrency=connections)
            met = result.p99_ms <= target and not result.errors
            judged = f"  (target p99 ≤ {target:.0f} ms)  {verdict(met)}" if connections == 1 else ""
            lines.append(
                f"  GET /metrics/summary?{query:<39} cache off, {connections} conn.:"
                f" {result.rps:6.0f} req/s  p50 {result.p50_ms:5.1f} ms  p99 {result.p99_ms:5.1f} ms"
                f"  errors {result.errors}{judged}"
            )
    return lines


def run(events: int = 1_000_000, seconds: float = 10.0, concurrency: int = 16) -> list[str]:
    lines = ["", "analytics"]
    if not wrk.available():
        return [*lines, f"  skipped: {wrk.WRK_MISSING}"]
    prefix = f"bench-analytics-{uuid.uuid4().hex[:8]}"
    env = {
        "PATH": str(BIN),
        "REDIS_URL": REDIS_URL,
        "ANALYTICS_REDIS_URL": REDIS_URL,
        "ANALYTICS_REDIS_PREFIX": prefix,
        "TRUSTED_PROXY_COUNT": "1",
        "ANALYTICS_DASHBOARD_PUBLIC": "true",
        "ANALYTICS_SUMMARY_CACHE_SECONDS": "0",
        # Batches post ~25 events/s per visitor (~50,000 events/s from 2,000 visitors): a refill above
        # that keeps every bucket from running dry (it is still checked and written on every request).
        "ANALYTICS_RATE_LIMIT_PER_SECOND": "100",
        # Each visitor has an address of its own (X-Forwarded-For); the address budget is checked and
        # written on every request as well, and never runs dry.
        "ANALYTICS_IP_BUDGET_PER_SECOND": "1000",
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "development",
    }
    # Explicit role URL: a developer's ANALYTICS_REDIS_URL must not send the bulk load elsewhere.
    settings = AnalyticsSettings(
        REDIS_URL=REDIS_URL,
        ANALYTICS_REDIS_URL=REDIS_URL,
        ANALYTICS_REDIS_PREFIX=prefix,
        ENVIRONMENT="development",
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
                bare = _post_load(bare_url, "/events/pageview", _pageview_bodies(), seconds, concurrency)
            base = f"http://127.0.0.1:{port}"
            with running(
                _uvicorn("portfolio_analytics.main:app", port), env, ROOT, tmp / "analytics.log"
            ) as proc:
                wait_for([f"{base}/health"], proc, timeout=60)
                lines += ingestion_lines(base, bare, seconds, concurrency)
                lines.append(asyncio.run(fold_line(REDIS_URL, prefix)))
                ingested = asyncio.run(stored_events(REDIS_URL, prefix))
                loaded, load_seconds = asyncio.run(bulk_load(settings, max(0, events - ingested)))
                lines.append(
                    f"  loaded {loaded:,} more events over 30 days in process: "
                    f"{loaded / load_seconds:,.0f} events/s (the Lua writer, group commit)"
                )
                # The bulk load's filter copies (the service's fold writes them meanwhile).
                asyncio.run(drain(settings))
                lines += summary_lines(base)
            asyncio.run(drain(settings))
            total = asyncio.run(stored_events(REDIS_URL, prefix))
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
    parser.add_argument("--seconds", type=float, default=10.0, help="each ingestion run (after 2 s warm-up)")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print("\n".join(run(args.events, args.seconds, args.concurrency)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
