"""Tags: Hugging Face keywords when present, else RAKE-style keyphrases; ``has-code``."""

from __future__ import annotations

from portfolio_scraper.enrich.tags import HAS_CODE, STOPWORDS, extract_keyphrases, tags_for
from portfolio_scraper.sources.types import PaperDraft

TITLE = "Deformable 3D Gaussian Splatting for Real-Time Rendering of Dynamic Scenes"
ABSTRACT = (
    "Novel view synthesis of dynamic scenes remains slow with neural radiance fields. We extend 3D Gaussian "
    "splatting with a compact deformation field that displaces each Gaussian over time, learned from "
    "multi-view video. Our deformation field renders at 120 frames per second and trains in under an hour."
)


def draft(**fields: object) -> PaperDraft:
    return PaperDraft(
        arxiv_id="2501.01234", source="arxiv", **({"title": TITLE, "abstract": ABSTRACT} | fields)
    )  # type: ignore[arg-type]


def test_ai_keywords_win_normalised_deduplicated_and_capped() -> None:
    keywords = ["LoRA", "lora ", "Low-Rank\nAdapters", "low-rank adapter", "  ", "PEFT."]
    keywords += [f"keyword {n}" for n in range(10)]
    tags = tags_for(draft(ai_keywords=keywords))
    assert tags[:3] == ["lora", "low-rank adapters", "peft"]
    assert len(tags) == 8
    assert HAS_CODE not in tags


def test_keyphrases_are_extracted_when_there_are_no_ai_keywords() -> None:
    tags = tags_for(draft())
    assert "3d gaussian splatting" in tags
    assert "deformation field" in tags  # said twice in the abstract
    assert 1 <= len(tags) <= 6
    for tag in tags:
        words = tag.split()
        assert 1 <= len(words) <= 3
        assert not all(word in STOPWORDS for word in words)
        assert not any(word.isdigit() for word in words)


def test_extraction_is_deterministic_and_avoids_overlapping_phrases() -> None:
    first = extract_keyphrases(TITLE, ABSTRACT)
    assert first == extract_keyphrases(TITLE, ABSTRACT)
    words = [word for tag in first for word in tag.split()]
    assert len(words) == len(set(words))


def test_has_code_when_a_repository_or_code_is_known() -> None:
    assert tags_for(draft(github_repo="lab/splat"))[-1] == HAS_CODE
    assert tags_for(draft(has_code=True, ai_keywords=["x"])) == ["x", HAS_CODE]
    assert HAS_CODE not in tags_for(draft(has_code=False, project_url="https://proj.example/"))
    # A keyword that happens to read "has-code" does not claim code.
    assert tags_for(draft(ai_keywords=["has-code", "splatting"])) == ["splatting"]


def test_no_text_gives_no_keyphrases() -> None:
    assert tags_for(draft(title=None, abstract=None)) == []
    assert extract_keyphrases("The", "We propose a novel method. 2025.") == []
