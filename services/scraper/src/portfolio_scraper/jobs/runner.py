"""Running scrape jobs in-process: sources concurrently, then enrich, then one delivery transaction.

Jobs run as asyncio tasks of the process that accepted them (the API, or the CLI). That suits a
job a day: no queue or worker to operate, and a job spends its time waiting on upstreams. The
price is that a job dies with its process. It is then not resumed but failed as ``interrupted``
(with its ``scraper.job.completed`` webhook) by the next process that starts, or by the next
request that needs its sources: its owner's advisory lock (:mod:`~portfolio_scraper.jobs.locks`)
tells a dead owner from a live one. A rerun fetches the window again; nothing was delivered, since
delivery is the job's last, all-or-nothing transaction.

A failing source never takes the others down: it ends ``failed`` with its reason
(``source_unavailable``, ``source_error``, ``source_crashed``) and the job ends ``partial``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portfolio_scraper.config import ScraperSettings
from portfolio_scraper.delivery.seen import draft_hashes
from portfolio_scraper.interests import Interests, load_interests
from portfolio_scraper.jobs import metrics, store
from portfolio_scraper.jobs.finish import JobOutcome, SourceOutcome, complete_job
from portfolio_scraper.jobs.locks import JobLocks
from portfolio_scraper.jobs.pipeline import DefaultEnricher, Enricher, Fetcher, Window, default_fetchers
from portfolio_scraper.models import ScrapeJob
from portfolio_scraper.sources.limiter import ArxivRateLimiter
from portfolio_scraper.sources.types import PaperDraft, SourceFailed, SourceReport, SourceUnavailable
from portfolio_shared.auth import TokenProvider, token_provider_from_settings
from portfolio_shared.clients import CoreClient
from portfolio_shared.log import get_request_id, request_id_var

logger = logging.getLogger(__name__)

#: Reading the owner's keywords from core must not hold a job up for long: the fallback is fine.
CORE_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=10.0, pool=3.0)

Clock = Callable[[], datetime]
InterestsLoader = Callable[[], Awaitable[Interests]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProgressEvent:
    """Sent to the runner's listener on every page and state change (the CLI draws its bars from it)."""

    job_id: uuid.UUID
    source: str | None
    state: str
    progress: int
    fetched: int = 0
    total: int | None = None
    phase: str | None = None


Listener = Callable[[ProgressEvent], None]


class Tracker:
    """A source's :class:`~portfolio_scraper.sources.types.Progress`: figures kept in memory and
    written after each page (sources call ``update`` synchronously, from inside their iteration)."""

    def __init__(self) -> None:
        self.fetched = 0
        self.total: int | None = None
        self.pages = 0

    def update(
        self, *, fetched: int | None = None, total: int | None = None, page: int | None = None
    ) -> None:
        if fetched is not None:
            self.fetched = fetched
        if total is not None:
            self.total = total
        if page is not None:
            self.pages = page

    @property
    def percent(self) -> int:
        """fetched/total when the source knows its total; otherwise creeping towards 95 page by page."""
        if self.total:
            return min(99, self.fetched * 100 // self.total)
        if self.total == 0:
            return 99
        return min(95, round(100 * (1 - 0.8**self.pages)))


class JobRunner:
    """Submits, runs and recovers scrape jobs. One per process; close it with :meth:`aclose`.

    ``http`` is the process's one long-lived client for upstreams (and core's public API).
    ``fetchers``, ``enricher``, ``interests``, ``limiter`` and ``clock`` replace the real pieces.
    """

    def __init__(
        self,
        *,
        settings: ScraperSettings,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        fetchers: Mapping[str, Fetcher] | None = None,
        enricher: Enricher | None = None,
        interests: InterestsLoader | None = None,
        limiter: ArxivRateLimiter | None = None,
        clock: Clock = utc_now,
        listener: Listener | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.http = http
        self.fetchers = (
            dict(fetchers) if fetchers is not None else default_fetchers(settings, limiter=limiter)
        )
        self.enricher: Enricher = enricher or DefaultEnricher()
        self._interests = interests
        self.clock = clock
        self.listener = listener
        self.locks = JobLocks(settings.database_url)
        self._tasks: dict[uuid.UUID, asyncio.Task[str | None]] = {}
        self._token_provider: TokenProvider | None = None

    # -- submitting ----------------------------------------------------------------------------

    async def submit(
        self,
        source: str,
        *,
        days: int | None = None,
        window: Window | None = None,
        trigger: str = "api",
        force: bool = False,
        idempotency_key: str | None = None,
        rerun_of: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """Create a queued job for ``source`` over the last ``days`` days (or ``window``).

        Raises :class:`~portfolio_scraper.jobs.store.JobConflict` when a running job holds one of
        its sources, ``ValueError`` for an unknown source. ``idempotency_key`` is recorded so that
        a retried request can find the job it created (:meth:`find`); ``rerun_of`` names the job
        whose failed source this one scrapes again.
        """
        store.sources_of(source)
        if window is None:
            if days is None:
                raise ValueError("give days or a window")
            window = Window.last_days(days, self.clock())
        params: dict[str, object] = {
            "days": window.days,
            "window": window.as_params(),
            "trigger": trigger,
            "force": force,
        }
        if idempotency_key:
            params["idempotency_key"] = idempotency_key
        if rerun_of is not None:
            params["rerun_of"] = str(rerun_of)
        job_id = uuid.uuid4()
        # Locked before the row exists, so no sweep ever sees this job without its owner.
        await self.locks.acquire(job_id)
        try:
            await store.create_job(
                self.sessions, job_id=job_id, source=source, params=params, now=self.clock()
            )
        except BaseException:
            await self.locks.release(job_id)
            raise
        return job_id

    async def find(self, idempotency_key: str) -> ScrapeJob | None:
        """The job a request with this idempotency key created, if any."""
        async with self.sessions() as session:
            return await store.find_by_idempotency_key(session, idempotency_key)

    def start(self, job_id: uuid.UUID) -> asyncio.Task[str | None]:
        """Run a submitted job in the background; the task's result is the job's final state."""
        task = asyncio.create_task(self.run(job_id), name=f"scrape-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))
        return task

    @property
    def running(self) -> frozenset[uuid.UUID]:
        return frozenset(self._tasks)

    async def recover(self) -> list[uuid.UUID]:
        """Fail the unfinished jobs whose process died (call at startup); return their ids."""
        async with self.sessions() as session, session.begin():
            ids: list[uuid.UUID] = await session.run_sync(
                store.interrupt_orphans,
                None,
                message="the scraper restarted while this job was running; it was not resumed",
                now=self.clock(),
            )
        if ids:
            logger.warning("failed interrupted scrape jobs", extra={"job_ids": [str(i) for i in ids]})
        return ids

    async def aclose(self) -> None:
        """Cancel the jobs still running (each ends ``failed``/``interrupted``) and drop the locks."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.locks.aclose()

    # -- running -------------------------------------------------------------------------------

    async def run(self, job_id: uuid.UUID) -> str | None:
        """Run a submitted job to its end; its final state (None when it was not queued)."""
        token = request_id_var.set(get_request_id() or f"scrape-{job_id}")
        try:
            return await self._run(job_id)
        finally:
            await self.locks.release(job_id)
            request_id_var.reset(token)

    async def _run(self, job_id: uuid.UUID) -> str | None:
        interests_task: asyncio.Task[Interests] | None = None
        try:
            async with self.sessions() as session:
                job = await store.mark_running(session, job_id, now=self.clock())
            if job is None:
                return None
            self._emit(ProgressEvent(job_id, None, "running", 0, phase="fetch"))
            window = Window.from_params(job.params)
            started = time.perf_counter()
            interests_task = asyncio.create_task(self._load_interests())
            # Each fetch isolates its source's failures; what escapes is a bug (or the database),
            # and the task group then stops the other sources too.
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(self._fetch(job_id, n, window)) for n in store.sources_of(job.source)
                ]
            fetched = [task.result() for task in tasks]
            timings = {"fetch": round(time.perf_counter() - started, 3)}
            interests = await interests_task

            await self._phase(job_id, "enrich", params={**job.params, "profile": interests.summary()})
            started = time.perf_counter()
            drafts = [draft for _, page in fetched for draft in page]
            hashes = await asyncio.to_thread(draft_hashes, drafts)
            enriched = await asyncio.to_thread(self.enricher, drafts, interests, self.clock())
            timings["enrich"] = round(time.perf_counter() - started, 3)

            await self._phase(job_id, "deliver")
            outcome = JobOutcome(
                papers=enriched.papers,
                sources={o.name: o for o, _ in fetched},
                rejected=enriched.rejected,
                reasons=enriched.reasons,
                hashes=hashes,
                timings=timings,
                force=bool(job.params.get("force")),
            )
            async with self.sessions() as session, session.begin():
                state: str | None = await session.run_sync(
                    complete_job,
                    job_id,
                    outcome,
                    now=self.clock(),
                    batch_size=self.settings.delivery_batch_size,
                    ingest_threshold=self.settings.ingest_relevance_threshold,
                )
        except asyncio.CancelledError:
            await asyncio.shield(
                self._fail(job_id, store.INTERRUPTED, "the scraper stopped while the job ran")
            )
            raise
        except Exception as exc:
            logger.exception("scrape job failed", extra={"job_id": str(job_id)})
            await self._fail(job_id, "internal_error", f"{type(exc).__name__}: {exc}"[:500])
            state = "failed"
        finally:
            if interests_task is not None and not interests_task.done():
                interests_task.cancel()
        logger.info("scrape job finished", extra={"job_id": str(job_id), "state": state})
        if state is not None:
            metrics.record_job(state)
        self._emit(ProgressEvent(job_id, None, state or "failed", 100))
        return state

    async def _load_interests(self) -> Interests:
        if self._interests is not None:
            return await self._interests()
        async with CoreClient.from_settings(
            self.settings, token_provider=self._core_tokens(), timeout=CORE_TIMEOUT, retries=1
        ) as core:
            return await load_interests(
                self.http, str(self.settings.core_url), self.settings.interest_keywords, core=core
            )

    def _core_tokens(self) -> TokenProvider:
        # One per runner: the provider caches the tokens it mints.
        if self._token_provider is None:
            self._token_provider = token_provider_from_settings(self.settings)
        return self._token_provider

    async def _fetch(
        self, job_id: uuid.UUID, name: str, window: Window
    ) -> tuple[SourceOutcome, list[PaperDraft]]:
        tracker, report = Tracker(), SourceReport()
        outcome = SourceOutcome(name)
        drafts: list[PaperDraft] = []
        try:
            async for page in self.fetchers[name](self.http, window, tracker, report):
                drafts.extend(page)
                await self._save_progress(job_id, name, tracker, len(drafts))
        except SourceUnavailable as exc:
            outcome.error = {"code": "source_unavailable", "message": exc.reason}
        except SourceFailed as exc:
            outcome.error = {"code": "source_error", "message": str(exc) or type(exc).__name__}
        except httpx.HTTPError as exc:
            outcome.error = {"code": "source_unavailable", "message": f"{type(exc).__name__}: {exc}"}
        except Exception as exc:
            logger.exception("scrape source crashed", extra={"job_id": str(job_id), "source": name})
            outcome.error = {"code": "source_crashed", "message": f"{type(exc).__name__}: {exc}"[:500]}
        outcome.fetched, outcome.skipped, outcome.notes = len(drafts), report.skipped, list(report.errors)
        if outcome.error:
            logger.warning(
                "scrape source failed",
                extra={
                    "job_id": str(job_id),
                    "source": name,
                    "code": outcome.error["code"],
                    "reason": outcome.error["message"],
                },
            )
        async with self.sessions() as session:
            await store.save_source(
                session,
                job_id,
                name,
                state=outcome.state,
                error=outcome.error,
                fetched=len(drafts),
                total=tracker.total,
                pages=tracker.pages,
                progress=100,
                finished_at=self.clock(),
            )
        self._emit(ProgressEvent(job_id, name, outcome.state, 100, len(drafts), tracker.total))
        return outcome, drafts

    async def _save_progress(self, job_id: uuid.UUID, name: str, tracker: Tracker, fetched: int) -> None:
        async with self.sessions() as session:
            await store.save_source(
                session,
                job_id,
                name,
                fetched=fetched,
                total=tracker.total,
                pages=tracker.pages,
                progress=tracker.percent,
            )
        self._emit(ProgressEvent(job_id, name, "running", tracker.percent, fetched, tracker.total))

    async def _phase(self, job_id: uuid.UUID, phase: str, **values: object) -> None:
        progress = {"enrich": 85, "deliver": 95}[phase]
        async with self.sessions() as session:
            await store.save_job(session, job_id, phase=phase, progress=progress, **values)
        self._emit(ProgressEvent(job_id, None, "running", progress, phase=phase))

    async def _fail(self, job_id: uuid.UUID, code: str, message: str) -> None:
        try:
            async with self.sessions() as session, session.begin():
                await session.run_sync(store.fail_job, job_id, code=code, message=message, now=self.clock())
        except Exception:
            # The sweep of the next start (or of the next conflicting request) fails it instead.
            logger.exception("could not record a failed scrape job", extra={"job_id": str(job_id)})

    def _emit(self, event: ProgressEvent) -> None:
        if self.listener is not None:
            try:
                self.listener(event)
            except Exception:
                logger.exception("progress listener failed")
