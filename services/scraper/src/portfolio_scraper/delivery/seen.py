"""What core was already sent: new, updated and unchanged papers, exactly, from ``seen_paper``.

The unit is what each *source* said about a paper: a hash of that source's own records (its
drafts, before merging and scoring). A paper is *new* when no source's record of it was ever sent,
*updated* when some source now says something it did not say before (a new version, more upvotes,
a code link, or simply a source that had not reported it), and *unchanged* otherwise; unchanged
papers are not sent again. Comparing per source, rather than the merged record, keeps a job of one
source from taking a paper for changed just because the other sources are not part of that job:
core never erases what an earlier record told it. Scores are left out: they drift daily with a
paper's age. A changed taxonomy or interest profile therefore re-sends nothing (``--force`` does).

The bookkeeping is written in the same transaction as the outbox messages, so "sent" means
"handed to the outbox", which delivers at least once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session

from portfolio_scraper.sources.types import PaperDraft
from portfolio_shared.schemas import Paper

#: Derived by enrichment, not said by a source.
_DERIVED = frozenset({"topics", "tags", "relevance", "relevance_components"})
_DRAFT_FIELDS = tuple(f.name for f in dataclasses.fields(PaperDraft) if f.name not in _DERIVED)
# Arrays as single parameters: one short statement however many papers (a VALUES list of
# thousands of rows takes SQLAlchemy longer to compile than Postgres to run).
_SEEN = text(
    "SELECT arxiv_id, source, version, content_hash FROM seen_paper "
    "WHERE arxiv_id = ANY(CAST(:ids AS text[])) FOR UPDATE"
)
_REMEMBER = text(
    """
INSERT INTO seen_paper (arxiv_id, source, version, content_hash, first_seen_at, last_sent_at, last_job_id)
SELECT t.arxiv_id, t.source, t.version, t.content_hash, :now, :now, :job_id
FROM unnest(CAST(:ids AS text[]), CAST(:sources AS text[]), CAST(:versions AS integer[]),
            CAST(:hashes AS text[])) AS t(arxiv_id, source, version, content_hash)
ON CONFLICT (arxiv_id, source) DO UPDATE SET
    version = EXCLUDED.version, content_hash = EXCLUDED.content_hash,
    last_sent_at = EXCLUDED.last_sent_at, last_job_id = EXCLUDED.last_job_id
"""
)

#: arXiv id -> source -> hash of what that source said.
SourceHashes = dict[str, dict[str, str]]


def _digest(texts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest()


def _canonical(data: Mapping[str, object]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def draft_hashes(drafts: Iterable[PaperDraft]) -> SourceHashes:
    """The hash of each source's records of each paper (several records of one source combine)."""
    texts: dict[str, dict[str, list[str]]] = {}
    for draft in drafts:
        data = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
        texts.setdefault(draft.arxiv_id, {}).setdefault(draft.source, []).append(_canonical(data))
    return {arxiv_id: {s: _digest(t) for s, t in by_source.items()} for arxiv_id, by_source in texts.items()}


def content_hash(paper: Paper) -> str:
    """sha256 of a paper's canonical JSON without what enrichment derives (for papers that come
    without their source records)."""
    return _digest([_canonical(paper.model_dump(mode="json", exclude=set(_DERIVED)))])


def paper_hashes(paper: Paper) -> dict[str, str]:
    """Per-source hashes of a paper known only as a whole: every source it lists said all of it."""
    digest = content_hash(paper)
    sources: list[str] = list(paper.sources) or ["unknown"]
    return dict.fromkeys(sources, digest)


@dataclass
class Classified:
    """Papers split by what core already has; ``new_versions`` are updated papers with a newer version."""

    new: list[Paper] = field(default_factory=list)
    updated: list[Paper] = field(default_factory=list)
    unchanged: list[Paper] = field(default_factory=list)
    new_versions: list[Paper] = field(default_factory=list)
    #: arXiv id -> ``new``, ``updated`` or ``skipped`` (the counter it adds to).
    kinds: dict[str, str] = field(default_factory=dict)


def classify(session: Session, papers: Sequence[Paper], hashes: SourceHashes) -> Classified:
    """Compare ``papers`` (and their sources' ``hashes``) with ``seen_paper``, locking the rows read."""
    rows = session.execute(_SEEN, {"ids": [paper.arxiv_id for paper in papers]}).all()
    seen: dict[str, dict[str, tuple[int, str]]] = {}
    for row in rows:
        seen.setdefault(row.arxiv_id, {})[row.source] = (row.version, row.content_hash)
    result = Classified()
    for paper in papers:
        known = seen.get(paper.arxiv_id)
        said = hashes.get(paper.arxiv_id) or paper_hashes(paper)
        if not known:
            result.new.append(paper)
            result.kinds[paper.arxiv_id] = "new"
        elif any(known.get(source, (0, ""))[1] != digest for source, digest in said.items()):
            result.updated.append(paper)
            result.kinds[paper.arxiv_id] = "updated"
            if paper.version > max(version for version, _ in known.values()):
                result.new_versions.append(paper)
        else:
            result.unchanged.append(paper)
            result.kinds[paper.arxiv_id] = "skipped"
    return result


def remember(
    session: Session, papers: Sequence[Paper], hashes: SourceHashes, *, job_id: UUID, now: datetime
) -> None:
    """Record what each source said about ``papers``, as sent by ``job_id`` (insert or overwrite)."""
    columns: dict[str, list[object]] = {"ids": [], "sources": [], "versions": [], "hashes": []}
    for paper in papers:
        for source, digest in (hashes.get(paper.arxiv_id) or paper_hashes(paper)).items():
            columns["ids"].append(paper.arxiv_id)
            columns["sources"].append(source)
            columns["versions"].append(paper.version)
            columns["hashes"].append(digest)
    if columns["ids"]:
        session.execute(_REMEMBER, {**columns, "now": now, "job_id": job_id})
