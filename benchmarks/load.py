"""A small closed-loop HTTP load generator (aiohttp, asyncio): N requests over C connections."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    url: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: Answers that came back as expected but carried a flag header (``benchmarks/wrk.py``).
    flagged: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    index = min(len(sorted_ms) - 1, max(0, round(q * len(sorted_ms)) - 1))
    return sorted_ms[index]


async def _run(url: str, requests: int, concurrency: int, warmup: int) -> Result:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as client:
        for _ in range(warmup):
            async with client.get(url) as response:
                await response.read()
        latencies: list[float] = []
        errors = 0
        queue: asyncio.Queue[None] = asyncio.Queue()
        for _ in range(requests):
            queue.put_nowait(None)

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                queue.get_nowait()
                start = time.perf_counter()
                try:
                    async with client.get(url) as response:
                        await response.read()
                        if response.status >= 400:
                            errors += 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                latencies.append((time.perf_counter() - start) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(url, requests, errors, elapsed, statistics.median(latencies), _percentile(latencies, 0.99))


def measure(url: str, *, requests: int = 2000, concurrency: int = 20, warmup: int = 50) -> Result:
    """Send ``requests`` GETs to ``url`` over ``concurrency`` keep-alive connections."""
    return asyncio.run(_run(url, requests, concurrency, warmup))


def timed(requests: Sequence[Callable[[], T]]) -> tuple[list[float], list[T]]:
    """Each request called once, one after another: the latencies in ms (sorted) and the answers."""
    latencies, responses = [], []
    for request in requests:
        started = time.perf_counter()
        responses.append(request())
        latencies.append((time.perf_counter() - started) * 1000)
    return sorted(latencies), responses
