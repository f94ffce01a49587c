"""Merging by version-less arXiv id, categorising, tagging and relevance scoring. Framework-free.

:func:`enrich` turns the drafts of every source into validated :class:`portfolio_shared.schemas.Paper`
records: merge (``merge``), topics (``classifier``: the one to three topics that define a paper, from the
shipped ``taxonomy.toml`` and the local MiniLM embedder, titles and keywords embedded in one batch), tags
(``tags``) and relevance (``score``). A merged draft that is still not a valid paper (no title, a malformed
id or URL, an ``updated`` before ``published``...) is **dropped and reported**: it is returned in
``EnrichResult.rejected`` with the validation message and logged as a warning, and the rest of the batch
goes on. The job counts rejects as ``failed``. :func:`enrich_papers` is the same, returning the papers only.
"""

from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier
from portfolio_scraper.enrich.pipeline import (
    EnrichResult,
    Rejected,
    enrich,
    enrich_papers,
    paper_text,
    to_paper,
)
from portfolio_scraper.enrich.score import InterestProfile, ScoreWeights
from portfolio_scraper.enrich.topics import Taxonomy

__all__ = [
    "EnrichResult",
    "InterestProfile",
    "PaperText",
    "Rejected",
    "ScoreWeights",
    "Taxonomy",
    "TopicClassifier",
    "enrich",
    "enrich_papers",
    "paper_text",
    "to_paper",
]
