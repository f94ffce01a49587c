"""Relevance: interest match, community signal, recency and code, with stored components."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from portfolio_scraper.enrich.score import InterestProfile, ScoreWeights, score
from portfolio_scraper.sources.types import PaperDraft

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
EMPTY = InterestProfile([])


def draft(**fields: object) -> PaperDraft:
    base: dict[str, object] = {"title": "A Paper", "abstract": "Some text.", "published": NOW}
    return PaperDraft(arxiv_id="2501.01234", source="arxiv", **(base | fields))  # type: ignore[arg-type]


def interest(profile: InterestProfile, **fields: object) -> float:
    return score(draft(**fields), profile, now=NOW)[1]["interest"]


def test_components_are_stored_and_combined_by_the_weights() -> None:
    weights = ScoreWeights(interest=0.4, community=0.3, recency=0.2, code=0.1, half_life_days=10)
    paper = draft(
        title="Retrieval-Augmented Generation with Django",
        published=NOW - timedelta(days=10),
        hf_upvotes=200,
        github_repo="lab/rag",
    )
    relevance, components = score(paper, InterestProfile(["django"]), now=NOW, weights=weights)
    assert set(components) == {"interest", "community", "recency", "code"}
    assert components == {"interest": 0.7, "community": 1.0, "recency": 0.5, "code": 1.0}
    assert relevance == pytest.approx(100 * (0.4 * 0.7 + 0.3 * 1.0 + 0.2 * 0.5 + 0.1 * 1.0))


def test_relevance_is_bounded_and_deterministic() -> None:
    low, parts = score(draft(published=None), EMPTY, now=NOW)
    assert low == 0.0 and set(parts.values()) == {0.0}
    profile = InterestProfile(["paper", "text"])
    top = draft(hf_upvotes=10**6, github_stars=10**6, github_repo="a/b", title="Paper", abstract="text")
    high, _ = score(top, profile, now=NOW)
    assert 0 < high <= 100
    assert score(top, profile, now=NOW) == score(top, profile, now=NOW)


def test_interest_title_beats_abstract_beats_nothing() -> None:
    profile = InterestProfile(["vector database"])
    in_title = interest(profile, title="A Vector Database for Papers")
    in_abstract = interest(profile, abstract="We build vector databases.")  # plural matches
    absent = interest(profile, abstract="We build a database of vectors.")  # not the phrase
    assert in_title == pytest.approx(0.7)
    assert in_abstract == pytest.approx(0.7 * 0.6)
    assert absent == 0.0


def test_interest_matches_topics_and_tags() -> None:
    profile = InterestProfile(["LLM", "has code"])
    assert interest(profile, topics=["LLM"]) == pytest.approx(0.7)


def test_more_matching_terms_add_with_diminishing_returns() -> None:
    profile = InterestProfile(["pytorch", "kubernetes", "fastapi"])
    one = interest(profile, title="PyTorch on a Laptop")
    two = interest(profile, title="PyTorch on Kubernetes")
    three = interest(profile, title="PyTorch on Kubernetes behind FastAPI")
    assert 0 < one < two < three < 1
    assert two - one > three - two


def test_term_weights_scale_their_contribution() -> None:
    profile = InterestProfile(["django"], weights={"my side project": 0.5})
    assert interest(profile, title="Django Tricks") == pytest.approx(0.7)
    assert interest(profile, title="My Side Project Revisited") == pytest.approx(0.35)
    # A configured keyword can be re-weighted; zero or negative weights drop the term.
    assert InterestProfile(["django"], weights={"django": 0}).terms == {}


def test_terms_that_would_match_everything_are_ignored() -> None:
    profile = InterestProfile(["Go", "R", "C", "the", "Rust"])
    assert [term for term, _ in profile.terms.values()] == ["Rust"]
    assert interest(profile, title="We go to the R&D lab in C") == 0.0


def test_community_is_log_scaled_and_saturates() -> None:
    def community(**fields: object) -> float:
        return score(draft(**fields), EMPTY, now=NOW)[1]["community"]

    assert community() == 0.0
    assert community(hf_upvotes=9) == pytest.approx(round(math.log(10) / math.log(201), 4))
    assert community(hf_upvotes=10) < community(hf_upvotes=100) < community(hf_upvotes=200) == 1.0
    assert community(hf_upvotes=5000) == 1.0
    assert 0 < community(github_stars=50) < community(github_stars=50, hf_upvotes=5) < 1.0


def test_recency_decays_with_the_configured_half_life() -> None:
    def recency(weights: ScoreWeights | None = None, **fields: object) -> float:
        return score(draft(**fields), EMPTY, now=NOW, weights=weights)[1]["recency"]

    assert recency() == 1.0
    assert recency(published=NOW - timedelta(days=7)) == 0.5
    assert recency(published=NOW - timedelta(days=14)) == 0.25
    assert recency(ScoreWeights(half_life_days=14), published=NOW - timedelta(days=14)) == 0.5
    assert recency(published=NOW + timedelta(days=2)) == 1.0  # clock skew: not "more recent than now"
    assert recency(published=None, updated=NOW - timedelta(days=7)) == 0.5
    assert recency(published=None) == 0.0


def test_code_availability() -> None:
    def code(**fields: object) -> float:
        return score(draft(**fields), EMPTY, now=NOW)[1]["code"]

    assert code(github_repo="lab/x") == 1.0
    assert code(has_code=True) == 1.0
    assert code(project_url="https://proj.example/") == 0.25
    assert code() == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interest": -1.0},
        {"interest": 0.0, "community": 0.0, "recency": 0.0, "code": 0.0},
        {"half_life_days": 0},
        {"stars_saturation": 0},
    ],
)
def test_bad_weights_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ScoreWeights(**kwargs)  # type: ignore[arg-type]
