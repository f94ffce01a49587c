"""The process-wide pacing of arXiv requests: one at a time, at least ``min_interval`` seconds apart.

arXiv's API terms ask for no more than one request every three seconds from one client, with no
concurrent requests. Every arXiv request of the process goes through one :class:`ArxivRateLimiter`
(:func:`shared_limiter`), so two jobs running at once still pace themselves together.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: arXiv's terms: at least three seconds between requests.
ARXIV_MIN_INTERVAL = 3.0


class ArxivRateLimiter:
    """Serialises requests and spaces them ``min_interval`` seconds apart, end of one to start of next.

    Measuring from the *end* of the previous request keeps the gap between request starts above the
    interval too, however long a response takes. ``clock`` and ``sleep`` are injectable so tests can
    run on virtual time; the same ``sleep`` serves the callers' backoff waits.
    """

    def __init__(
        self,
        min_interval: float = ARXIV_MIN_INTERVAL,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self._last_finished: float | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current_lock(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to one event loop; a CLI run after a test run (or one pytest loop
        # per test) gets a fresh lock, while the timestamp, which is what the terms are about, stays.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock = asyncio.Lock()
            self._loop = loop
        return self._lock

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold the one request slot: wait for the previous request plus the interval, then run."""
        async with self._current_lock():
            if self._last_finished is not None:
                wait = self._last_finished + self.min_interval - self.clock()
                if wait > 0:
                    await self.sleep(wait)
            try:
                yield
            finally:
                self._last_finished = self.clock()


_shared: ArxivRateLimiter | None = None


def shared_limiter() -> ArxivRateLimiter:
    """The process's one arXiv limiter (created on first use)."""
    global _shared
    if _shared is None:
        _shared = ArxivRateLimiter()
    return _shared
