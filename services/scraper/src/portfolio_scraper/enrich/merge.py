"""One record per paper: merge the drafts of every source and page by version-less arXiv id.

Rules (issue 9, item 4):

- **arXiv is the base record.** Among several arXiv drafts of one id (overlapping pages, a new version
  seen mid-run) the highest ``version`` wins, ties going to the latest ``updated``; the other arXiv drafts
  only fill fields the winner lacks.
- **Hugging Face and Papers with Code add, never erase.** They contribute the fields arXiv does not have
  (upvotes, comments, GitHub repository and stars, project page, AI summary, organisation, ``ai_keywords``,
  ``has_code``: true when any source says code exists)
  and fill any base field the arXiv record left empty (e.g. a DOI); they never overwrite a value arXiv gave.
  Between them Hugging Face comes first (it is the fuller record of the two). Counts (upvotes, comments,
  stars) take the largest value seen: they only grow, and two pages may have been read minutes apart.
- **A paper seen only by Hugging Face or Papers with Code is kept** (e.g. arXiv's categories did not cover
  it, or arXiv was unavailable this run) with what those sources know, title and abstract included.
  It has no categories, so topics come from its text alone. A draft without a title cannot become a
  ``Paper`` and is rejected later, by ``enrich``.
- ``sources`` lists every source that saw the paper, once each, in the fixed order arxiv, huggingface, pwc
  (sources run concurrently, so arrival order would not be reproducible).
- Text is NFKC-normalised with whitespace runs (line breaks included) collapsed, in every string field and
  list item; an empty string becomes None. ``ai_keywords`` and authors are de-duplicated in order.
- Ids: a versioned id (``2401.12345v2``, ``arXiv:…``) is split into id and version (the id's version wins
  over the draft's ``version``). Naive datetimes are taken
  as UTC (arXiv's feed times are UTC). A ``https://github.com/owner/name`` URL becomes ``owner/name``.

Output order is the order in which each id was first seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import UTC, datetime

from portfolio_scraper.enrich.text import normalise_text
from portfolio_scraper.sources.types import PaperDraft
from portfolio_shared.schemas.papers import PAPER_TEXT_FIELDS, parse_arxiv_id

SOURCE_ORDER = ("arxiv", "huggingface", "pwc")
_RANK = {name: rank for rank, name in enumerate(SOURCE_ORDER)}
_COUNTS = ("hf_upvotes", "hf_comments", "github_stars")
_LIST_UNION = ("ai_keywords", "topics", "tags", "affiliations")
_GITHUB_URL = re.compile(r"(?:https?://)?(?:www\.)?github\.com/([^/\s]+/[^/\s#?]+?)(?:\.git)?/?(?:[#?].*)?")
_DRAFT_FIELDS = tuple(f.name for f in fields(PaperDraft))
#: Normalised as text: the shared Paper's text fields (one definition).
_TEXT_FIELDS = PAPER_TEXT_FIELDS
_SCALAR_FIELDS = tuple(
    name
    for name in _DRAFT_FIELDS
    if name
    not in {"arxiv_id", "source", "sources", "relevance_components", "has_code", *_COUNTS, *_LIST_UNION}
)


#: arXiv's public site: the abstract and PDF pages of any paper id live under it.
ARXIV_SITE = "https://arxiv.org"


def _unique(items: Iterable[str], *, fold_case: bool = False) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        text = normalise_text(item)
        if text is None:
            continue
        key = text.casefold() if fold_case else text
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _github(value: str | None) -> str | None:
    if value is None:
        return None
    match = _GITHUB_URL.fullmatch(value)
    return match.group(1) if match else value


def normalise_draft(draft: PaperDraft) -> PaperDraft:
    """A copy of ``draft`` with normalised text, id, version, datetimes and GitHub repository."""
    changes: dict[str, object] = {name: normalise_text(getattr(draft, name)) for name in _TEXT_FIELDS}
    changes["github_repo"] = _github(changes["github_repo"])  # type: ignore[arg-type]
    arxiv_id = (normalise_text(draft.arxiv_id) or "").replace(" ", "")
    version = draft.version
    try:
        arxiv_id, parsed_version = parse_arxiv_id(arxiv_id)
    except ValueError:
        parsed_version = None  # left as is: validation rejects it with a clear message
    if parsed_version is not None:  # the id's own "vN" is the most specific claim
        version = parsed_version
    changes.update(
        arxiv_id=arxiv_id,
        version=version,
        source=(normalise_text(draft.source) or "").lower(),
        authors=_unique(draft.authors),
        categories=_unique(draft.categories),
        sources=_unique(draft.sources),
        ai_keywords=_unique(draft.ai_keywords, fold_case=True),
        topics=_unique(draft.topics),
        tags=_unique(draft.tags),
        affiliations=_unique(draft.affiliations),
        published=_utc(draft.published),
        updated=_utc(draft.updated),
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def _arxiv_key(draft: PaperDraft) -> tuple[int, datetime]:
    return (draft.version or 0, draft.updated or draft.published or datetime.min.replace(tzinfo=UTC))


def _merge_group(group: list[PaperDraft]) -> PaperDraft:
    arxiv = sorted((d for d in group if d.source == "arxiv"), key=_arxiv_key, reverse=True)
    others = sorted((d for d in group if d.source != "arxiv"), key=lambda d: _RANK.get(d.source, 99))
    ordered = arxiv + others  # stable: same-source drafts keep their arrival order
    base = ordered[0]
    values: dict[str, object] = {}
    for name in _SCALAR_FIELDS:
        value = next((v for d in ordered if (v := getattr(d, name)) not in (None, [], "")), None)
        values[name] = value if value is not None else getattr(base, name)
    if not arxiv:
        # HF and PwC know no version; the highest any draft claims is the best guess.
        values["version"] = max((d.version for d in group if d.version), default=None)
        # Every arXiv id has these pages; without them an HF-only paper could never be ingested.
        values["abs_url"] = values["abs_url"] or f"{ARXIV_SITE}/abs/{base.arxiv_id}"
        values["pdf_url"] = values["pdf_url"] or f"{ARXIV_SITE}/pdf/{base.arxiv_id}"
    for name in _COUNTS:
        values[name] = max((v for d in group if (v := getattr(d, name)) is not None), default=None)
    claims = [d.has_code for d in group if d.has_code is not None]
    values["has_code"] = any(claims) if claims else None  # any source that saw code wins
    for name in _LIST_UNION:
        values[name] = _unique((item for d in ordered for item in getattr(d, name)), fold_case=True)
    seen = {d.source for d in group} | {s for d in group for s in d.sources}
    values["sources"] = [s for s in SOURCE_ORDER if s in seen]
    components: dict[str, float] = {}
    for draft in reversed(ordered):
        components.update(draft.relevance_components)
    values["relevance_components"] = components
    return replace(base, **values)  # type: ignore[arg-type]


def merge_drafts(drafts: Iterable[PaperDraft]) -> list[PaperDraft]:
    """One normalised draft per version-less arXiv id, merged by the rules in this module's docstring."""
    groups: dict[str, list[PaperDraft]] = {}
    for draft in drafts:
        clean = normalise_draft(draft)
        groups.setdefault(clean.arxiv_id, []).append(clean)
    return [_merge_group(group) for group in groups.values()]
