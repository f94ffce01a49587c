"""The scraper's tables. The outbox tables are not modelled: they come from ``portfolio_shared.outbox``.

- ``scrape_job``: one run (which source or ``all``, window, state, counts, errors, timings).
- ``scrape_job_source``: one row per source a job scrapes (its progress, counts, error, timings).
  A partial unique index on ``source`` over the rows of unfinished jobs (``active``) is what makes
  "one running job per source" hold across processes: a job for ``all`` holds all three sources.
- ``seen_paper``: what each source last said about each paper that was sent to core, so a rerun
  knows new from updated from unchanged (and does not send the unchanged again).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from portfolio_scraper.db import Base

JOB_STATES = ("queued", "running", "succeeded", "partial", "failed")
ACTIVE_STATES = ("queued", "running")
_STATE_CHECK = "state IN ('queued', 'running', 'succeeded', 'partial', 'failed')"


class ScrapeJob(Base):
    """One scrape run: which source, where it is, what it found."""

    __tablename__ = "scrape_job"
    __table_args__ = (CheckConstraint(_STATE_CHECK, name="scrape_job_state"),)

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    source: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), server_default="queued", index=True)
    #: ``days``, ``window`` {start, end}, ``trigger`` (api, schedule, cli), ``force``, ``profile``.
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    #: Overall progress 0-100 (fetching is most of it; enrich and delivery the rest).
    progress: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    #: Where a running job is: fetch, enrich, deliver (None before it starts and after it ends).
    phase: Mapped[str | None] = mapped_column(String(16))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    errors: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    #: Seconds per phase: fetch, enrich, deliver, total.
    timings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScrapeJobSource(Base):
    """One source of one job: its own state, progress, counters, error and timings."""

    __tablename__ = "scrape_job_source"
    __table_args__ = (
        CheckConstraint(_STATE_CHECK, name="scrape_job_source_state"),
        # The lock: at most one unfinished job per source. ``active`` is cleared in the transaction
        # that finishes the job (not when the source ends), so a source stays held until delivery.
        Index("ux_scrape_job_source_active", "source", unique=True, postgresql_where=text("active")),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("scrape_job.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), server_default="queued")
    progress: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    fetched: Mapped[int] = mapped_column(Integer, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, server_default="0")
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    #: ``{code, message}`` when the source failed (``source_unavailable``, ``source_error``, ...).
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SeenPaper(Base):
    """What one source last said about a paper (a hash of its records), as handed to the outbox."""

    __tablename__ = "seen_paper"

    arxiv_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The paper's version as last sent.
    version: Mapped[int] = mapped_column(Integer)
    #: sha256 of the source's own record(s) of the paper, before merging and scoring.
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
