"""A few seconds of in-process caching for dashboard reads (``ANALYTICS_SUMMARY_CACHE_SECONDS``).

A dashboard polled by several tabs, or core's proxy under load, then costs one Redis read per
period every few seconds. Concurrent misses for the same key share one computation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class ShortCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._values: dict[Hashable, tuple[float, Any]] = {}
        self._running: dict[Hashable, asyncio.Future[Any]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        if self.seconds <= 0:
            return await compute()
        hit = self._values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await compute()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waits
            raise
        else:
            future.set_result(value)
            self._values[key] = (time.monotonic() + self.seconds, value)
            if len(self._values) > 256:
                now = time.monotonic()
                self._values = {k: v for k, v in self._values.items() if v[0] > now}
            return value
        finally:
            del self._running[key]
