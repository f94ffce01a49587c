"""The scraper's requests and job reports (``POST /scrape``, status, history) and ``POST /classify``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from portfolio_shared.schemas._base import (
    JobError,
    JobState,
    NonEmptyStr,
    PaperSource,
    ResponseModel,
    ScrapeSource,
    StrictModel,
)

Count = Annotated[int, Field(ge=0)]


class ScrapeRequest(StrictModel):
    """Body of ``POST /scrape``: which sources, and how many days back (1..30)."""

    source: ScrapeSource = "all"
    days: int = Field(default=1, ge=1, le=30)


class ScrapeRerunRequest(StrictModel):
    """Body of ``POST /scrape/jobs/{job_id}/rerun``: the failed source of that job to scrape again."""

    source: PaperSource


class ScrapeCounts(ResponseModel):
    """Paper counts of a scrape job or of one of its sources."""

    fetched: Count = 0
    new: Count = 0
    updated: Count = 0
    skipped: Count = 0
    failed: Count = 0


class ScrapeErrorItem(ResponseModel):
    """One error met while scraping; ``source`` is None when it concerns the whole job."""

    source: str | None = None
    code: NonEmptyStr
    message: str


class SourceProgress(ResponseModel):
    """Progress of one source within a scrape job."""

    state: JobState
    progress: int = Field(default=0, ge=0, le=100)
    counts: ScrapeCounts = Field(default_factory=ScrapeCounts)
    error: JobError | None = None


class ScrapeJob(ResponseModel):
    """A scrape job as ``GET /scrape/status`` and ``GET /scrape/history`` report it."""

    id: NonEmptyStr
    state: JobState
    source: ScrapeSource
    days: int = Field(ge=1, le=30)
    progress: int = Field(default=0, ge=0, le=100)
    created_at: AwareDatetime | None = None
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    counts: ScrapeCounts = Field(default_factory=ScrapeCounts)
    sources: dict[str, SourceProgress] = Field(default_factory=dict)
    errors: list[ScrapeErrorItem] = Field(default_factory=list)
    #: ``fetch`` | ``enrich`` | ``deliver`` while running, else None.
    phase: str | None = None
    #: What started it: ``api``, ``schedule``, ``cli``, ``rerun``.
    trigger: str | None = None
    #: The job whose failed source this one scrapes again (trigger ``rerun``).
    rerun_of: str | None = None


class ScrapeHistory(ResponseModel):
    """Body of ``GET /scrape/history``: the most recent jobs (running ones included), newest first;
    ``count`` of all the jobs that match."""

    results: list[ScrapeJob] = Field(default_factory=list)
    count: int = Field(default=0, ge=0)


#: Interest weights core's admin may give a relevance keyword (the scraper's scoring uses them relative
#: to the heaviest term, so only their ratios matter).
MIN_KEYWORD_WEIGHT = 0.1
MAX_KEYWORD_WEIGHT = 5.0


class RelevanceKeyword(ResponseModel):
    """One of the owner's relevance keywords and its interest weight."""

    term: NonEmptyStr
    weight: float = Field(default=1.0, ge=MIN_KEYWORD_WEIGHT, le=MAX_KEYWORD_WEIGHT)


class RelevanceKeywords(ResponseModel):
    """Body of core's ``GET /api/internal/relevance-keywords/``: the keywords edited in core's admin
    (empty when the owner has set none: the scraper then uses its ``INTEREST_KEYWORDS``)."""

    keywords: list[RelevanceKeyword] = Field(default_factory=list)


#: Papers per ``POST /classify`` request (the same bound as a bulk upsert to core).
MAX_CLASSIFY_PAPERS = 2000


class ClassifyPaper(StrictModel):
    """What the scraper's topic classifier reads of one stored paper (``arxiv_id`` is only echoed back:
    core's sample papers carry ids that are not arXiv's)."""

    arxiv_id: NonEmptyStr = Field(max_length=40)
    title: NonEmptyStr
    abstract: str = ""
    primary_category: str | None = None
    categories: list[NonEmptyStr] = Field(default_factory=list)
    ai_keywords: list[NonEmptyStr] = Field(default_factory=list)


class ClassifyRequest(StrictModel):
    """Body of ``POST /classify``: 1 to ``MAX_CLASSIFY_PAPERS`` papers."""

    papers: list[ClassifyPaper] = Field(min_length=1, max_length=MAX_CLASSIFY_PAPERS)


class PaperTopics(ResponseModel):
    """The topics the classifier gives one paper (0 to 3, the defining one first)."""

    arxiv_id: str
    topics: list[str]


class ClassifyResult(ResponseModel):
    """Answer of ``POST /classify``: one entry per paper, in request order."""

    papers: list[PaperTopics]
