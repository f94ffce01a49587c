"""What every source yields and how it reports trouble and progress.

A :class:`PaperDraft` is one source's view of a paper: every field of
:class:`portfolio_shared.schemas.Paper` (all optional but the version-less ``arxiv_id`` and the ``source``
that saw it) plus Hugging Face's ``ai_keywords``. ``enrich`` merges drafts into validated papers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any, Protocol

from pydantic.fields import FieldInfo

from portfolio_shared.schemas.papers import PAPER_FIELDS, Paper


def _draft_field(name: str, info: FieldInfo) -> tuple[str, Any, Any]:
    # Lists and mappings start empty, everything else unknown (None): a source fills what it knows.
    if info.default_factory in (list, dict):
        return name, info.annotation, field(default_factory=info.default_factory)  # type: ignore[arg-type]
    return name, info.annotation | None, field(default=None)


#: What a source may know beyond a paper's fields: Hugging Face's ``ai_keywords``; ``has_code``, the
#: source says code exists (PwC's official implementation / repository count) even when it does not
#: name the repository (``None``: the source does not say); ``affiliations``, the authors' as arXiv
#: lists them (``arxiv:affiliation``), distinct, in author order.
_SOURCE_ONLY: list[tuple[str, Any, Any]] = [
    ("ai_keywords", list[str], field(default_factory=list)),
    ("has_code", bool | None, field(default=None)),
    ("affiliations", list[str], field(default_factory=list)),
]

#: One source's record of a paper, before merging, topics, tags and scoring: the version-less
#: ``arxiv_id``, the ``source`` that saw it (``arxiv`` | ``huggingface`` | ``pwc``), every other field
#: of the shared ``Paper`` (``PAPER_FIELDS``, one definition) as optional, and what only sources know.
PaperDraft = make_dataclass(
    "PaperDraft",
    [
        ("arxiv_id", str),
        ("source", str),
        *(_draft_field(name, Paper.model_fields[name]) for name in PAPER_FIELDS if name != "arxiv_id"),
        *_SOURCE_ONLY,
    ],
    slots=True,
)
PaperDraft.__module__ = __name__


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
