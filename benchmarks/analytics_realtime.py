"""Analytics realtime benchmark: how soon a dashboard sees an event, idle and under ingestion load.

One real ``uvicorn portfolio_analytics.main:app`` worker (Socket.IO on its Redis client manager)
on a throwaway Redis key prefix; a real python-socketio client connected with a dashboard token;
probe pageviews posted a few times a second. For each probe:

- *reflected*: from sending the POST to the arrival of the first push emitted after the event was
  recorded (its ``sentAt`` is later than the 202): the dashboard's counts and pages include it;
- *listed*: from sending the POST to the arrival of a push whose ``events`` list carries the probe.
  Under load a push lists only the latest events (coalescing caps it), so fewer probes are listed.

The baseline is the same probes with no other traffic, measured in the same run; the loaded run
adds a separate process posting pageviews (``/events/batch``, ``--batch`` a request) as fast as
``--concurrency`` connections allow. Target: reflected p99 ≤ 1 s under load. Run alone with
``uv run python -m benchmarks.analytics_realtime``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import redis
import socketio

from portfolio_shared.auth import generate_keyring, issue_token, workload_env
from scripts.stack import ROOT, free_port, running, wait_for

TARGET_P99_MS = 1000.0
REDIS_URL = os.environ.get("BENCH_ANALYTICS_REDIS_URL", "redis://127.0.0.1:6379/13")
#: This run's own key for core, whose dashboard tokens the throwaway server accepts.
KEYS = generate_keyring(["core"])
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@dataclass(frozen=True)
class Run:
    probes: int
    reflected_ms: list[float]
    listed_ms: list[float]
    pushes: int
    events_per_push: float
    load_events: int = 0
    load_errors: int = 0
    seconds: float = 0.0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _load(url: str, seconds: float, concurrency: int, batch: int, results: Any) -> None:
    """Child process: post batches of ``batch`` pageviews over ``concurrency`` connections for ``seconds``."""

    async def main() -> tuple[int, int]:
        sent = errors = 0
        deadline = time.monotonic() + seconds
        connector = aiohttp.TCPConnector(limit=concurrency)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def worker(n: int) -> None:
                nonlocal sent, errors
                # A few hundred visitors, each a distinct User-Agent (no IP is kept anyway).
                i = 0
                while time.monotonic() < deadline:
                    i += 1
                    headers = {"User-Agent": f"{BROWSER} load/{n}-{i % 25}"}
                    events = [{"type": "pageview", "path": f"/load/{(i + k) % 50}"} for k in range(batch)]
                    try:
                        async with session.post(
                            f"{url}/events/batch", json={"events": events}, headers=headers
                        ) as r:
                            await r.read()
                            if r.status == 202:
                                sent += batch
                            else:
                                errors += 1
                    except (aiohttp.ClientError, TimeoutError):
                        errors += 1

            await asyncio.gather(*(worker(n) for n in range(concurrency)))
        return sent, errors

    results.put(asyncio.run(main()))


async def _probe(url: str, seconds: float, rate: float) -> Run:
    arrivals: list[tuple[float, dict[str, Any]]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("realtime", lambda payload: arrivals.append((time.time(), payload)))
    token = issue_token(issuer="core", audience="analytics-dashboard", key=KEYS["core"], ttl=300)
    await client.connect(url, socketio_path="/ws/realtime", transports=["websocket"], auth={"token": token})
    probes: list[tuple[str, float, float]] = []  # path, sent, accepted (wall clock)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            deadline = time.monotonic() + seconds
            n = 0
            while time.monotonic() < deadline:
                n += 1
                path = f"/probe/{n}-{uuid.uuid4().hex[:6]}"
                sent = time.time()
                async with session.post(
                    f"{url}/events/pageview",
                    json={"path": path},
                    headers={"User-Agent": f"{BROWSER} probe"},
                ) as response:
                    await response.read()
                    if response.status == 202:
                        probes.append((path, sent, time.time()))
                await asyncio.sleep(1 / rate)
        await asyncio.sleep(2)  # the last probes' pushes
    finally:
        await client.disconnect()
    pushes = [(at, p) for at, p in arrivals if not p.get("snapshot")]
    reflected, listed = [], []
    for path, sent, accepted in probes:
        # sentAt is the server's wall clock in ms, the same machine's clock as ours.
        after = next((at for at, p in pushes if p["sentAt"] >= accepted * 1000), None)
        if after is not None:
            reflected.append((after - sent) * 1000)
        carried = next((at for at, p in pushes if any(e.get("path") == path for e in p["events"])), None)
        if carried is not None:
            listed.append((carried - sent) * 1000)
    carried_events = sum(len(p["events"]) + p.get("dropped", 0) for _, p in pushes)
    return Run(
        probes=len(probes),
        reflected_ms=reflected,
        listed_ms=listed,
        pushes=len(pushes),
        events_per_push=carried_events / len(pushes) if pushes else 0.0,
        seconds=seconds,
    )


def _loaded(url: str, seconds: float, concurrency: int, batch: int, rate: float) -> Run:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    loader = context.Process(target=_load, args=(url, seconds + 1, concurrency, batch, results))
    loader.start()
    try:
        time.sleep(1)  # let the load ramp up before probing
        run = asyncio.run(_probe(url, seconds, rate))
        sent, errors = results.get(timeout=seconds + 120)
    finally:
        loader.join(timeout=60)
        if loader.is_alive():
            loader.kill()
    return Run(**{**run.__dict__, "load_events": sent, "load_errors": errors, "seconds": seconds + 1})


def _delete_prefix(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for batch in _chunks(list(client.scan_iter(match=f"{prefix}:*", count=1000)), 500):
            client.delete(*batch)
    finally:
        client.close()


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _ms(values: Sequence[float], q: float) -> str:
    return f"{percentile(values, q):6.0f} ms" if values else "     - ms"


def _line(label: str, run: Run) -> str:
    listed_share = len(run.listed_ms) / run.probes * 100 if run.probes else 0.0
    return (
        f"  {label:<9} reflected p50 {_ms(run.reflected_ms, 0.5)}  "
        f"p99 {_ms(run.reflected_ms, 0.99)}   "
        f"listed p50 {_ms(run.listed_ms, 0.5)} "
        f"p99 {_ms(run.listed_ms, 0.99)} ({listed_share:3.0f}% of {run.probes} probes)   "
        f"{run.pushes / max(run.seconds, 1e-9):4.1f} pushes/s, {run.events_per_push:6.1f} events/push"
    )


def run(seconds: float = 10.0, concurrency: int = 16, batch: int = 10, probe_rate: float = 5.0) -> list[str]:
    """Start a worker, measure idle then loaded, and return the report lines."""
    prefix = f"bench-rt-{uuid.uuid4().hex[:8]}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_URL")},
        "REDIS_URL": REDIS_URL,
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "WARNING",
        **workload_env(KEYS, signs_as=None, accepts=["core"]),
        "ANALYTICS_DASHBOARD_PUBLIC": "false",
        "ANALYTICS_REDIS_PREFIX": prefix,
        "REALTIME_CHANNEL": f"bench-realtime-{prefix}",
        # The load is a few hundred visitors posting flat out from one address: no per-visitor or
        # per-address rate limit here.
        "ANALYTICS_RATE_LIMIT_BURST": "1000000000",
        "ANALYTICS_RATE_LIMIT_PER_SECOND": "1000000000",
        "ANALYTICS_IP_BUDGET_BURST": "1000000000",
        "ANALYTICS_IP_BUDGET_PER_SECOND": "1000000000",
    }
    cmd = [
        sys.executable, "-m", "uvicorn", "portfolio_analytics.main:app",
        "--port", str(port), "--no-access-log", "--log-level", "warning", "--no-proxy-headers",
    ]  # fmt: skip
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-rt-") as tmp,
            running(cmd, env, ROOT, Path(tmp) / "analytics.log") as proc,
        ):
            wait_for([f"{url}/ready"], proc, timeout=90)
            idle = asyncio.run(_probe(url, min(seconds, 5.0), probe_rate))
            loaded = _loaded(url, seconds, concurrency, batch, probe_rate)
    finally:
        _delete_prefix(prefix)
    p99 = percentile(loaded.reflected_ms, 0.99)
    base = percentile(idle.reflected_ms, 0.99)
    verdict = "ok" if p99 <= TARGET_P99_MS and len(loaded.reflected_ms) == loaded.probes else "OVER"
    load_rate = loaded.load_events / loaded.seconds if loaded.seconds else 0.0
    return [
        f"\nanalytics realtime push latency (one worker; Socket.IO client; probes at {probe_rate:g}/s):",
        _line("idle", idle),
        _line("loaded", loaded),
        f"  load: {load_rate:,.0f} pageviews/s (batches of {batch}) over {concurrency} connections, "
        f"{loaded.load_errors} failed requests; "
        f"reflected p99 {p99:.0f} ms = {p99 / base if base else float('nan'):.1f}x idle  "
        f"[target p99 <= {TARGET_P99_MS:.0f} ms: {verdict}]",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analytics_realtime")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the loaded run")
    parser.add_argument("--concurrency", type=int, default=16, help="load connections")
    parser.add_argument("--batch", type=int, default=10, help="pageviews per load request (/events/batch)")
    parser.add_argument("--probe-rate", type=float, default=5.0, help="probe pageviews per second")
    args = parser.parse_args(argv)
    print("\n".join(run(args.seconds, args.concurrency, args.batch, args.probe_rate)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
