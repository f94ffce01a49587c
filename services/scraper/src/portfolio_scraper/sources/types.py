"""What every source yields and how it reports trouble and progress.

A :class:`PaperDraft` is one source's view of a paper: every field of
:class:`portfolio_shared.schemas.Paper` (all optional but the version-less ``arxiv_id`` and the ``source``
that saw it) plus Hugging Face's ``ai_keywords``. ``enrich`` merges drafts into validated papers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(slots=True)
class PaperDraft:
    """One source's record of a paper, before merging, topics, tags and scoring."""

    arxiv_id: str
    source: str  # "arxiv" | "huggingface" | "pwc"
    version: int | None = None
    title: str | None = None
    abstract: str | None = None
    authors: list[str] = field(default_factory=list)
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    abs_url: str | None = None
    pdf_url: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    sources: list[str] = field(default_factory=list)
    hf_upvotes: int | None = None
    hf_comments: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_url: str | None = None
    ai_summary: str | None = None
    organization: str | None = None
    topics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    relevance: float | None = None
    relevance_components: dict[str, float] = field(default_factory=dict)
    #: Hugging Face's thumbnail image URL (the daily-papers item's ``thumbnail``).
    thumbnail: str | None = None
    ai_keywords: list[str] = field(default_factory=list)
    #: The source says code exists (PwC's official implementation / repository count) even when it does
    #: not name the repository; ``None`` when the source does not say.
    has_code: bool | None = None
    #: Authors' affiliations as arXiv lists them (``arxiv:affiliation``), distinct, in author order.
    affiliations: list[str] = field(default_factory=list)


class SourceUnavailable(Exception):
    """The source could not be reached or answered a shape we do not understand."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceFailed(Exception):
    """The source answered with an error of the job itself (e.g. arXiv's error feed)."""


@dataclass(slots=True)
class SourceReport:
    """What a source skipped and what failed while it still produced papers (a *partial* result).

    ``skipped`` counts records that are not papers we can keep (a PwC paper without an arXiv id, an
    entry whose id is not an arXiv id); ``failed`` counts units of work that failed and were given
    up (a Hugging Face day), each with one line in ``errors``.
    """

    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def skip(self, count: int = 1) -> None:
        self.skipped += count

    def fail(self, message: str) -> None:
        self.failed += 1
        self.errors.append(message)


class Progress(Protocol):
    """Receives a source's progress; ``None`` leaves a figure unchanged."""

    def update(
        self, *, fetched: int | None = None, total: int | None = None, page: int | None = None
    ) -> None:
        """Record how many papers were fetched so far, how many exist, and the page reached."""


class NullProgress:
    """A :class:`Progress` that records nothing."""

    def update(
        self, *, fetched: int | None = None, total: int | None = None, page: int | None = None
    ) -> None:
        return None
