"""``python -m portfolio_scraper scrape|backfill``: run scrape jobs from a terminal, with progress bars.

The jobs are the API's jobs (same records, same one-running-job-per-source rule, same delivery
through the outbox, ``trigger`` = ``cli``); they run in this process, and the outbox dispatcher
delivers them. ``backfill`` cuts a long window into consecutive jobs, newest first.

Exit status: 0 every job succeeded, 3 some ended partial, 1 one failed, 2 a source was busy (or
the arguments were wrong).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Sequence

import psycopg
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from portfolio_scraper.config import SERVICE, ScraperSettings, get_settings
from portfolio_scraper.jobs.pipeline import Window, upstream_client
from portfolio_scraper.jobs.report import get_report
from portfolio_scraper.jobs.runner import JobRunner, ProgressEvent, utc_now
from portfolio_scraper.jobs.store import JobConflict, sources_of
from portfolio_shared.log import configure_logging
from portfolio_shared.sql import create_engine, session_factory

EXIT = {"succeeded": 0, "partial": 3, "failed": 1}
EXIT_BUSY = 2
SOURCE_CHOICES = ("all", "arxiv", "huggingface", "pwc")


def _days(value: str) -> int:
    days = int(value)
    if not 1 <= days <= 30:
        raise argparse.ArgumentTypeError("days must be 1..30")
    return days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m portfolio_scraper",
        description="Run scrape jobs (the jobs of POST /scrape) from a terminal.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    scrape = commands.add_parser("scrape", help="one job over the last --days days")
    scrape.add_argument("--source", choices=SOURCE_CHOICES, default="all")
    scrape.add_argument("--days", type=_days, default=1, help="1..30 (default 1)")
    backfill = commands.add_parser("backfill", help="the last --days days as consecutive jobs")
    backfill.add_argument("--source", choices=SOURCE_CHOICES, default="all")
    backfill.add_argument("--days", type=_days, default=30, help="1..30 (default 30)")
    backfill.add_argument("--chunk-days", type=_days, default=3, help="days per job (default 3)")
    for command in (scrape, backfill):
        command.add_argument("--force", action="store_true", help="send unchanged papers again too")
    return parser


class Bars:
    """One bar per source and one for the job's phase, drawn from the runner's progress events."""

    def __init__(self, progress: Progress, sources: Sequence[str]) -> None:
        self.progress = progress
        self.phase = progress.add_task("job: queued", total=100)
        self.sources: dict[str, TaskID] = {name: progress.add_task(name, total=100) for name in sources}

    def reset(self, label: str) -> None:
        self.progress.reset(self.phase, description=f"{label}: queued")
        for name, task in self.sources.items():
            self.progress.reset(task, description=name)

    def __call__(self, event: ProgressEvent) -> None:
        if event.source is None:
            label = self.progress.tasks[self.phase].description.split(":")[0]
            self.progress.update(
                self.phase, completed=event.progress, description=f"{label}: {event.phase or event.state}"
            )
            return
        task = self.sources.get(event.source)
        if task is not None:
            of = f"/{event.total}" if event.total is not None else ""
            self.progress.update(
                task,
                completed=event.progress,
                description=f"{event.source} {event.fetched}{of} papers ({event.state})",
            )


async def _run(
    settings: ScraperSettings, source: str, windows: list[Window], force: bool, console: Console
) -> int:
    engine = create_engine(settings.database_url)
    progress = Progress(
        TextColumn("{task.description:<44}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=console, transient=False,
    )  # fmt: skip
    bars = Bars(progress, sources_of(source))
    worst = 0
    try:
        async with upstream_client() as http:
            runner = JobRunner(settings=settings, sessions=session_factory(engine), http=http, listener=bars)
            try:
                with progress:
                    for n, window in enumerate(windows, start=1):
                        label = f"job {n}/{len(windows)}" if len(windows) > 1 else "job"
                        bars.reset(label)
                        job_id = await runner.submit(source, window=window, trigger="cli", force=force)
                        state = await runner.run(job_id) or "failed"
                        worst = max(worst, EXIT[state], key=_severity)
                        await _summary(runner, job_id, window, console)
            finally:
                await runner.aclose()
    finally:
        await engine.dispose()
    return worst


def _severity(code: int) -> int:
    return {0: 0, 3: 1, 1: 2}[code]


async def _summary(runner: JobRunner, job_id: uuid.UUID, window: Window, console: Console) -> None:
    async with runner.sessions() as session:
        job = await get_report(session, job_id)
    if job is None:
        return
    c = job.counts
    console.print(
        f"{job.id} {job.state}: {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC, "
        f"fetched {c.fetched}, new {c.new}, updated {c.updated}, skipped {c.skipped}, failed {c.failed}",
        highlight=False,
        soft_wrap=True,
    )
    for error in job.errors:
        console.print(
            f"  {error.source or 'job'}: {error.code}: {error.message}", highlight=False, soft_wrap=True
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the jobs, return the exit status."""
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(f"{SERVICE}-cli", settings.log_level)
    # The bars say what each request would: keep the log for what goes wrong.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    console = Console(stderr=True)
    whole = Window.last_days(args.days, utc_now())
    windows = whole.chunks(args.chunk_days) if args.command == "backfill" else [whole]
    try:
        return asyncio.run(_run(settings, args.source, windows, args.force, console))
    except JobConflict as exc:
        console.print(f"{exc.message} Running job: {exc.details['job_id']}", highlight=False, soft_wrap=True)
        return EXIT_BUSY
    except (OSError, psycopg.OperationalError) as exc:
        console.print(f"cannot reach the scraper's database: {exc}", highlight=False, soft_wrap=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
