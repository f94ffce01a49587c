"""Reads of the relevance keywords."""

from __future__ import annotations

from portfolio_shared.schemas import RelevanceKeyword as KeywordSchema
from portfolio_shared.schemas import RelevanceKeywords
from scrapes.models import RelevanceKeyword


def relevance_keywords() -> RelevanceKeywords:
    """Every keyword with its weight, heaviest first (what the scraper's scoring reads)."""
    rows = RelevanceKeyword.objects.order_by("-weight", "term").values_list("term", "weight")
    return RelevanceKeywords(keywords=[KeywordSchema(term=term, weight=weight) for term, weight in rows])
