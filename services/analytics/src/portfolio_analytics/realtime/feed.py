"""The live feed: events recorded by ingestion, coalesced into at most one push per interval.

Ingestion calls :meth:`RealtimeFeed.notify` after it has recorded events; that only appends to a
bounded buffer and wakes the feed's task, so a request never waits for a push. The task sends one
``realtime`` payload per interval at most (default 250 ms): the current snapshot (active visitors,
their pages) and the events seen since the previous push. Under load a push therefore carries
many events instead of one push per event; when the buffer overflows, the oldest events are
dropped and counted (``dropped``): the dashboard shows the latest activity, not every event.

This module knows nothing of Socket.IO or HTTP: ``push`` and ``snapshot`` are given to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

#: The event name clients listen to, for pushes and for the snapshot sent on connect.
REALTIME_EVENT = "realtime"
#: Default spacing of pushes: a few per second, whatever the event rate.
PUSH_INTERVAL = 0.25
#: Events kept between two pushes; older ones are dropped (and counted).
MAX_EVENTS_PER_PUSH = 50

# What a dashboard may see of an event: what happened, where, when. Never the visitor id.
PUBLIC_EVENT_FIELDS = (
    "type",
    "ts",
    "path",
    "title",
    "referrer",
    "target",
    "kind",
    "query",
    "results_count",
    "search_id",
    "engaged_ms",
    "country",
    "city",
    "props",
)

Push = Callable[[dict[str, Any]], Awaitable[None]]
Snapshot = Callable[[], Awaitable[Mapping[str, Any]]]


def public_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a recorded event a dashboard may see (no visitor id, nothing else private)."""
    return {key: event[key] for key in PUBLIC_EVENT_FIELDS if event.get(key) is not None}


def now_ms() -> int:
    return int(time.time() * 1000)


class RealtimeFeed:
    """Coalesces notified events into throttled pushes; :meth:`start` it on a running loop."""

    def __init__(
        self,
        *,
        push: Push,
        snapshot: Snapshot,
        interval: float = PUSH_INTERVAL,
        max_events: int = MAX_EVENTS_PER_PUSH,
    ) -> None:
        self._push = push
        self._snapshot = snapshot
        self.interval = interval
        self._pending: deque[Mapping[str, Any]] = deque(maxlen=max_events)
        self._dropped = 0
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_push = float("-inf")
        #: Pushes sent and failed since start (for tests, benchmarks and logs).
        self.pushes = 0
        self.failures = 0

    def notify(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Queue recorded events for the next push. Never blocks, never raises for a stopped feed."""
        # Kept as given (callers hand over their own dicts); reduced to what a dashboard may see at
        # push time, when only the last ``max_events`` are left.
        added = 0
        for event in events:
            if len(self._pending) == self._pending.maxlen:
                self._dropped += 1
            self._pending.append(event)
            added += 1
        if added and self._wakeup is not None and self._loop is not None:
            if threading.get_ident() == self._loop_thread:
                self._wakeup.set()
            else:  # called from a worker thread (a sync route): asyncio.Event is not thread-safe
                self._loop.call_soon_threadsafe(self._wakeup.set)

    async def start(self) -> None:
        """Start the pushing task on the running loop."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wakeup = asyncio.Event()
        if self._pending:
            self._wakeup.set()
        self._task = asyncio.create_task(self._run(), name="realtime-feed")

    async def stop(self, grace: float = 2.0) -> None:
        """Stop the task; events still pending are dropped (they are live-only).

        A push caught mid-way in the client manager's Redis publish may swallow the cancellation
        and retry; shutdown waits ``grace`` seconds for the task, then leaves it to the loop's end.
        """
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            logger.warning("realtime feed did not stop within %.1f s; leaving it behind", grace)
            return
        with contextlib.suppress(asyncio.CancelledError):
            task.result()

    async def payload(self, events: list[dict[str, Any]], *, dropped: int = 0) -> dict[str, Any]:
        """A ``realtime`` payload: the snapshot plus ``events`` (oldest first)."""
        snapshot = await self._snapshot()
        return {
            "activeUsers": snapshot.get("activeUsers", 0),
            "currentPages": snapshot.get("currentPages", []),
            "events": events,
            "dropped": dropped,
            "sentAt": now_ms(),
        }

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            # Coalesce: whatever arrives before the interval is over rides on this push.
            delay = self._last_push + self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._wakeup.clear()
            events, dropped = [public_event(event) for event in self._pending], self._dropped
            self._pending.clear()
            self._dropped = 0
            try:
                await self._push(await self.payload(events, dropped=dropped))
                self.pushes += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis down or a client manager hiccup: these events are lost to the live view only
                # (they are recorded); the next event tries again.
                self.failures += 1
                logger.warning("realtime push failed", exc_info=True)
            self._last_push = time.monotonic()
