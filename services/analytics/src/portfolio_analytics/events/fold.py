"""The fold (ADR 14): writes the filter copies the request path queued, in the background.

The writer (``record.lua``) writes the site's aggregates in the request's call and queues what the
call's events add to the filter copies (``{p}:fold``); this task folds the queue in large batches,
where a batch's writes to the same key are summed into one, and yields to a busy writer (below).
Filtered reads fold first (``api/metrics.py``), so a filtered figure includes every acknowledged
event unless a burst left more than they fold. Every worker runs one; a fold call is one script, so
two never fold the same item.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from portfolio_analytics.events.recorder import Recorder

log = logging.getLogger(__name__)

#: Pause between folds while the queue is empty: how far the filter copies lag on an ordinary site
#: (a filtered read folds first).
INTERVAL_S = 0.5
#: While this worker's writer wrote within BUSY_WINDOW_S, the fold takes one call (a few ms) per
#: BUSY_PAUSE_S: a burst of events is acknowledged at the writer's full rate and folded after it.
#: Past BACKLOG_ITEMS queued calls it folds at full speed again, so a sustained overload cannot
#: grow the queue without bound.
BUSY_WINDOW_S = 0.05
BUSY_PAUSE_S = 0.25
BACKLOG_ITEMS = 20_000
#: How long shutting down waits for a fold in progress.
STOP_TIMEOUT_S = 10.0


class Folder:
    def __init__(self, recorder: Recorder, redis: Redis) -> None:
        self.recorder = recorder
        self.redis = redis
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="analytics-fold")

    async def stop(self) -> None:
        """Let the fold in progress finish, then stop (cancelling a command in flight can leave the
        client's connection waiting; STOP_TIMEOUT_S bounds the wait)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
        if not done:
            log.warning("the fold did not stop within %s s", STOP_TIMEOUT_S)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                left = await self.recorder.fold(self.redis)
            except (RedisError, OSError) as exc:
                # Redis down or over its memory limit: the queue waits there; try again later.
                log.warning("fold failed: %s", exc)
                left = 0
            if left and (left > BACKLOG_ITEMS or not self._writer_busy()):
                await asyncio.sleep(0)  # more queued: go on at once, but let the requests in between
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), BUSY_PAUSE_S if left else INTERVAL_S)

    def _writer_busy(self) -> bool:
        return time.monotonic() - self.recorder.last_write < BUSY_WINDOW_S
