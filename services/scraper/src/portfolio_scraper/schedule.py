"""The optional in-process schedule (``SCRAPE_SCHEDULE``, cron in UTC; empty turns it off).

Cloud Scheduler calling ``POST /scrape`` is the production trigger; this loop is for a local stack
or a single always-on instance. Every process that serves the API runs its own loop, so with several
workers each fires; the one-running-job-per-source rule turns the extra ones into a logged conflict.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from croniter import croniter

from portfolio_shared.errors import Conflict

logger = logging.getLogger(__name__)

#: Longest single sleep: a suspended machine or a clock step is noticed within this many seconds.
MAX_SLEEP = 60.0

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CronSchedule:
    """A five-field cron expression evaluated in UTC."""

    def __init__(self, expression: str) -> None:
        if not croniter.is_valid(expression):
            raise ValueError(f"not a cron expression: {expression!r}")
        self.expression = expression

    def next_after(self, moment: datetime) -> datetime:
        """The first fire time strictly after ``moment``."""
        due: datetime = croniter(self.expression, moment.astimezone(UTC)).get_next(datetime)
        return due.astimezone(UTC)


async def run_schedule(
    schedule: CronSchedule,
    fire: Callable[[], Awaitable[object]],
    *,
    clock: Clock = _utc_now,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Call ``fire`` at every fire time of ``schedule``, forever (cancel the task to stop it).

    A fire that fails is logged and the loop goes on; a conflict (a job still running) is expected.
    """
    logger.info("scrape schedule active", extra={"schedule": schedule.expression})
    while True:
        due = schedule.next_after(clock())
        while (remaining := (due - clock()).total_seconds()) > 0:
            await sleep(min(remaining, MAX_SLEEP))
        try:
            await fire()
        except Conflict as exc:
            logger.info("scheduled scrape skipped: a job is still running", extra={"details": exc.details})
        except Exception:
            logger.exception("scheduled scrape could not start")
