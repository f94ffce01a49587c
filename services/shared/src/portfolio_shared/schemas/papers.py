"""A paper as the scraper sends it to core, and the bulk upsert around it.

Papers are keyed by their *version-less* arXiv id, in either of arXiv's two styles:
``2401.12345`` (``YYMM.NNNN`` from 2007-04, ``YYMM.NNNNN`` from 2015-01) or the older
``archive[.SC]/YYMMNNN`` (``hep-th/9901001``, ``math.GT/0309136``). The version lives in its own field.

Every string of a paper comes from an upstream API, so a paper drops control characters and lone
surrogates on the way in (:func:`~portfolio_shared.text.strip_control_characters`), at the scraper
that builds it and at core that receives it: one odd character in one paper can neither fail a scrape
job nor make core refuse, and the outbox retry for ever, a whole batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, AwareDatetime, Field, ValidationInfo, field_validator, model_validator

from portfolio_shared.schemas._base import HttpUrlStr, NonEmptyStr, PaperSource, ResponseModel, StrictModel
from portfolio_shared.text import strip_control_characters

#: Most papers one bulk request may carry (DESIGN.md: ≤ 2,000).
MAX_BULK_PAPERS = 2000
#: Most ids one title lookup may carry: two ranked lists of the dashboard (most viewed, most
#: shared) at their longest (100 entries each).
MAX_TITLE_LOOKUP = 200

_NEW_STYLE = re.compile(r"(?P<yymm>\d{2}(?:0[1-9]|1[0-2]))\.(?P<number>\d{4,5})")
_OLD_STYLE = re.compile(r"(?P<archive>[a-z]+(?:-[a-z]+)*)(?:\.[A-Z]{2})?/(?P<yy>\d{2})(?:0[1-9]|1[0-2])\d{3}")
_VERSIONED = re.compile(r"(?:arXiv:)?(?P<id>.+?)(?:v(?P<version>[1-9]\d*))?", re.IGNORECASE)
_GITHUB_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")


def is_arxiv_id(value: str) -> bool:
    """True when ``value`` is a well-formed version-less arXiv id of either style."""
    new = _NEW_STYLE.fullmatch(value)
    if new:
        yymm = int(new["yymm"])
        # New-style ids start in 2007-04 and gained a fifth digit in 2015-01.
        return yymm >= 704 and len(new["number"]) == (5 if yymm >= 1501 else 4)
    old = _OLD_STYLE.fullmatch(value)
    if old:
        # Old-style ids ran from 1991-08 until 2007-03: "yy" 91..99, then 00..07.
        yy = int(old["yy"])
        return yy >= 91 or yy <= 7
    return False


#: The archive of the sample papers' ids (core's ``papers.sample``, the analytics sample week): an
#: old-style id in an archive arXiv never had, a style it stopped issuing in 2007, so a sample id
#: passes the contract's check and can never be a real paper's.
SAMPLE_ARCHIVE = "sample"


def sample_paper_id(number: int) -> str:
    """The id of the ``number``-th sample paper (1-based, up to 999): ``sample/0701001`` …"""
    if not 1 <= number <= 999:
        raise ValueError(f"sample paper number out of range: {number}")
    return f"{SAMPLE_ARCHIVE}/0701{number:03d}"


def parse_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Split ``[arXiv:]<id>[vN]`` into the version-less id and the version (None when absent).

    Raises ``ValueError`` when what remains is not an arXiv id.
    """
    match = _VERSIONED.fullmatch(raw.strip())
    if match and is_arxiv_id(match["id"]):
        return match["id"], int(match["version"]) if match["version"] else None
    raise ValueError(f"not an arXiv id: {raw!r}")


def _check_arxiv_id(value: str) -> str:
    if not is_arxiv_id(value):
        raise ValueError("must be a version-less arXiv id such as '2401.12345' or 'hep-th/9901001'")
    return value


def _check_github_repo(value: str) -> str:
    if not _GITHUB_REPO.fullmatch(value):
        raise ValueError("must be a GitHub repository as 'owner/name'")
    return value


ArxivId = Annotated[str, AfterValidator(_check_arxiv_id)]
GithubRepo = Annotated[str, AfterValidator(_check_github_repo)]
Count = Annotated[int, Field(ge=0)]


class Paper(StrictModel):
    """One paper, merged from every source that saw it. Core adds ``pinned``/``hidden`` itself."""

    arxiv_id: ArxivId
    version: int = Field(default=1, ge=1)
    title: NonEmptyStr
    abstract: str = ""
    authors: list[NonEmptyStr] = Field(default_factory=list)
    primary_category: str | None = None
    categories: list[NonEmptyStr] = Field(default_factory=list)
    published: AwareDatetime | None = None
    updated: AwareDatetime | None = None
    abs_url: HttpUrlStr | None = None
    pdf_url: HttpUrlStr | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    sources: list[PaperSource] = Field(default_factory=list)
    hf_upvotes: Count | None = None
    hf_comments: Count | None = None
    github_repo: GithubRepo | None = None
    github_stars: Count | None = None
    project_url: HttpUrlStr | None = None
    ai_summary: str | None = None
    organization: str | None = None
    topics: list[NonEmptyStr] = Field(default_factory=list)
    tags: list[NonEmptyStr] = Field(default_factory=list)
    relevance: float = Field(default=0.0, ge=0, le=100)
    relevance_components: dict[str, float] = Field(default_factory=dict)
    #: Hugging Face's image of the paper (an upstream URL); core proxies it, browsers never fetch it.
    thumbnail: HttpUrlStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _without_control_characters(cls, data: Any) -> Any:
        return _clean_strings(data)

    @field_validator("updated")
    @classmethod
    def _not_before_published(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        published = info.data.get("published")
        if value is not None and published is not None and value < published:
            raise ValueError("updated is earlier than published")
        return value


#: A paper's fields in their one order: what the scraper's drafts carry, what core stores and merges
#: on upsert (``papers.merge.COLUMNS``) and what its API shows (``PUBLIC_FIELDS``, with the owner's
#: own flags). Add a field to :class:`Paper` and they all follow; tests hold core's model and
#: migrations to it.
PAPER_FIELDS: tuple[str, ...] = tuple(Paper.model_fields)


def _value_type(annotation: Any) -> Any:
    """``str`` for ``str``, ``str | None`` and ``Annotated[str, ...] | None``; else the annotation."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        annotation = args[0]
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


#: The fields whose value is one text (an empty one means "not known"), ``arxiv_id`` aside.
PAPER_TEXT_FIELDS: tuple[str, ...] = tuple(
    name
    for name, info in Paper.model_fields.items()
    if name != "arxiv_id" and _value_type(info.annotation) is str
)


def _clean_strings(value: Any) -> Any:
    """``value`` with :func:`strip_control_characters` applied to every string in it, keys included."""
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, dict):
        return {_clean_strings(key): _clean_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean_strings(item) for item in value]
    return value


def duplicate_arxiv_ids(papers: Iterable[Paper]) -> list[str]:
    """The arXiv ids that occur more than once in ``papers``, sorted."""
    seen: set[str] = set()
    duplicates: set[str] = set()
    for paper in papers:
        (duplicates if paper.arxiv_id in seen else seen).add(paper.arxiv_id)
    return sorted(duplicates)


class PapersBulk(StrictModel):
    """Body of core's ``POST /api/internal/papers/bulk/``: at most 2,000 papers, each id once."""

    papers: list[Paper] = Field(max_length=MAX_BULK_PAPERS)

    @field_validator("papers")
    @classmethod
    def _unique_ids(cls, papers: list[Paper]) -> list[Paper]:
        # One upsert statement cannot touch the same row twice, so duplicates are the sender's bug.
        duplicates = duplicate_arxiv_ids(papers)
        if duplicates:
            raise ValueError(f"duplicate arxiv_id in one bulk request: {', '.join(duplicates[:10])}")
        return papers


class PapersBulkResult(ResponseModel):
    """What core answers to a bulk upsert."""

    created: Count = 0
    updated: Count = 0
    unchanged: Count = 0


class PaperTitlesRequest(StrictModel):
    """Body of core's ``POST /api/internal/papers/titles/``: up to 200 version-less arXiv ids."""

    ids: list[ArxivId] = Field(min_length=1, max_length=MAX_TITLE_LOOKUP)


class PaperTitles(ResponseModel):
    """What core answers to a title lookup: ``{arxiv_id: title}`` for the ids it holds (an id core
    does not know is absent)."""

    titles: dict[str, str] = Field(default_factory=dict)
