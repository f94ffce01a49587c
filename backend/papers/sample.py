"""The sample papers ``make run`` loads on an empty database, so a first run shows a live feed.

The papers are written for this project (``fixtures/sample_papers.yaml``); their dates are relative to
the moment they are loaded, and their topics come from the scraper's own classifier (``POST
/classify``, as ``reclassify_papers`` asks it), never from the file. They enter through the same
upsert as the scraper's deliveries (:func:`papers.services.upsert_papers`), so their text reaches the
chatbot's index through the outbox like any paper's, and they carry core's own ``sample`` flag.

Ids are old-style arXiv ids in an archive arXiv never had (``sample/0701001``,
:func:`portfolio_shared.schemas.sample_paper_id`): the form passes the contract's id check, and arXiv
stopped issuing old-style ids in 2007, so no real paper can ever take one. No sample paper has an
arXiv link.

The first real delivery hides them (:func:`hide_sample_papers`, called by the upsert);
:func:`remove_sample_papers` deletes them and, through ``papers.signals``, their index entries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from papers import cache, indexing
from papers.models import Paper as StoredPaper
from portfolio_shared.schemas import ClassifyPaper, Paper, PapersBulkResult, PaperTopics, sample_paper_id

SAMPLE_FILE = Path(__file__).resolve().parent / "fixtures" / "sample_papers.yaml"

Classify = Callable[[list[ClassifyPaper]], list[PaperTopics]]


def _entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["papers"]
    return entries


def sample_papers(
    *, classify: Classify, now: datetime | None = None, path: Path = SAMPLE_FILE
) -> list[Paper]:
    """The sample papers as the scraper would deliver them: dated back from ``now``, topics from
    ``classify``."""
    now = now or timezone.now()
    entries = _entries(path)
    ids = [sample_paper_id(n) for n in range(1, len(entries) + 1)]
    answers = classify(
        [
            ClassifyPaper(
                arxiv_id=arxiv_id,
                title=entry["title"],
                abstract=entry["abstract"],
                primary_category=entry["categories"][0],
                categories=entry["categories"],
            )
            for arxiv_id, entry in zip(ids, entries, strict=True)
        ]
    )
    topics = {answer.arxiv_id: answer.topics for answer in answers}
    papers = []
    for arxiv_id, entry in zip(ids, entries, strict=True):
        repo = entry.get("github_repo")
        papers.append(
            Paper(
                arxiv_id=arxiv_id,
                title=entry["title"],
                abstract=entry["abstract"],
                authors=entry["authors"],
                primary_category=entry["categories"][0],
                categories=entry["categories"],
                published=now - timedelta(hours=entry["hours_ago"]),
                sources=["huggingface", "pwc"] if repo else ["huggingface"],
                hf_upvotes=entry.get("hf_upvotes"),
                hf_comments=entry.get("hf_comments"),
                github_repo=repo,
                github_stars=entry.get("github_stars"),
                organization=entry.get("organization"),
                topics=topics.get(arxiv_id, []),
                tags=entry.get("tags", []),
                relevance=entry.get("relevance", 0.0),
            )
        )
    return papers


@transaction.atomic
def load_sample_papers(*, classify: Classify, now: datetime | None = None) -> PapersBulkResult:
    """Upsert the sample papers (idempotent) and flag them ``sample``."""
    from papers.services import upsert_papers  # services calls back into this module

    papers = sample_papers(classify=classify, now=now)
    result = upsert_papers(papers=papers, sample=True)
    StoredPaper.objects.filter(arxiv_id__in=[p.arxiv_id for p in papers]).update(sample=True)
    cache.invalidate()
    return result


def hide_sample_papers() -> int:
    """Hide the visible sample papers (a real delivery arrived); their documents leave the index."""
    visible = StoredPaper.objects.filter(sample=True, hidden=False)
    arxiv_ids = list(visible.values_list("arxiv_id", flat=True))
    if not arxiv_ids:
        return 0
    count = StoredPaper.objects.filter(arxiv_id__in=arxiv_ids).update(hidden=True)
    cache.invalidate()  # update() sends no post_save
    indexing.sync_arxiv_ids(arxiv_ids)
    return count


@transaction.atomic
def remove_sample_papers() -> int:
    """Delete every sample paper; ``papers.signals`` removes each one's document from the index."""
    count, _ = StoredPaper.objects.filter(sample=True).delete()
    return count


def sample_papers_shown() -> int:
    """How many sample papers the public sees now."""
    return StoredPaper.objects.filter(sample=True, hidden=False).count()
