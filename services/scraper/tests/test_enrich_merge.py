"""Merging drafts of every source and page into one record per version-less arXiv id."""

from __future__ import annotations

from datetime import UTC, datetime

from portfolio_scraper.enrich.merge import merge_drafts
from portfolio_scraper.sources.types import PaperDraft

T0 = datetime(2025, 1, 10, 12, tzinfo=UTC)


def arxiv(arxiv_id: str = "2501.01234", **fields: object) -> PaperDraft:
    base: dict[str, object] = {
        "version": 1,
        "title": "Sparse Attention for Long Documents",
        "abstract": "We study sparse attention.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "primary_category": "cs.CL",
        "categories": ["cs.CL", "cs.LG"],
        "published": T0,
        "updated": T0,
        "abs_url": f"https://arxiv.example/abs/{arxiv_id}",
    }
    return PaperDraft(arxiv_id=arxiv_id, source="arxiv", **(base | fields))  # type: ignore[arg-type]


def hf(arxiv_id: str = "2501.01234", **fields: object) -> PaperDraft:
    return PaperDraft(arxiv_id=arxiv_id, source="huggingface", **fields)  # type: ignore[arg-type]


def pwc(arxiv_id: str = "2501.01234", **fields: object) -> PaperDraft:
    return PaperDraft(arxiv_id=arxiv_id, source="pwc", **fields)  # type: ignore[arg-type]


def test_arxiv_fields_win_and_other_sources_add_theirs() -> None:
    drafts = [
        hf(
            title="A different HF title",
            abstract="HF abstract",
            hf_upvotes=40,
            hf_comments=3,
            ai_summary="Short summary.",
            organization="Example Lab",
            ai_keywords=["sparse attention"],
            github_repo="lab/sparse",
            github_stars=120,
            thumbnail="https://thumbs.example/2611.00001.png",
        ),
        arxiv(),
        pwc(
            title="PwC title", github_repo="other/repo", github_stars=90, project_url="https://proj.example/"
        ),
    ]
    [paper] = merge_drafts(drafts)
    assert paper.source == "arxiv"
    assert paper.title == "Sparse Attention for Long Documents"
    assert paper.abstract == "We study sparse attention."
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert (paper.hf_upvotes, paper.hf_comments) == (40, 3)
    assert paper.ai_summary == "Short summary."
    assert paper.organization == "Example Lab"
    assert paper.ai_keywords == ["sparse attention"]
    assert paper.github_repo == "lab/sparse"  # Hugging Face before Papers with Code
    assert paper.github_stars == 120  # counts: the largest seen
    assert paper.project_url == "https://proj.example/"  # only PwC knew it
    assert paper.thumbnail == "https://thumbs.example/2611.00001.png"  # only Hugging Face knows one
    # Fixed order whatever the arrival order (sources run concurrently).
    assert paper.sources == ["arxiv", "huggingface", "pwc"]


def test_other_sources_never_erase_but_fill_gaps() -> None:
    drafts = [
        arxiv(doi=None, comment="12 pages"),
        hf(hf_upvotes=7, github_repo="lab/code"),
        hf(hf_upvotes=None, github_repo=None, abstract="", title=None),  # a later, poorer page
        pwc(doi="10.1000/xyz", comment=None),
    ]
    [paper] = merge_drafts(drafts)
    assert paper.hf_upvotes == 7
    assert paper.github_repo == "lab/code"
    assert paper.comment == "12 pages"
    assert paper.doi == "10.1000/xyz"  # arXiv had none: PwC fills it
    assert paper.abstract == "We study sparse attention."


def test_highest_arxiv_version_wins_and_older_fills_gaps() -> None:
    v1 = arxiv(version=1, title="Old title", journal_ref="Proc. Example 2025", updated=T0)
    v2 = arxiv(version=2, title="New   title", journal_ref=None, updated=datetime(2025, 2, 1, tzinfo=UTC))
    for order in ([v1, v2], [v2, v1]):
        [paper] = merge_drafts(order)
        assert paper.version == 2
        assert paper.title == "New title"
        assert paper.journal_ref == "Proc. Example 2025"
        assert paper.updated == datetime(2025, 2, 1, tzinfo=UTC)


def test_versioned_and_prefixed_ids_merge_with_the_plain_id() -> None:
    drafts = [
        arxiv("2501.01234v3", version=None),
        hf("arXiv:2501.01234", hf_upvotes=5),
        arxiv("hep-th/9901001v2"),
    ]
    merged = merge_drafts(drafts)
    assert [(p.arxiv_id, p.version) for p in merged] == [("2501.01234", 3), ("hep-th/9901001", 2)]
    assert merged[0].hf_upvotes == 5
    assert merged[0].sources == ["arxiv", "huggingface"]


def test_counts_take_the_largest_value_across_pages() -> None:
    drafts = [
        arxiv(),
        hf(hf_upvotes=10, hf_comments=4),
        hf(hf_upvotes=12, hf_comments=2),
        pwc(github_stars=3),
    ]
    [paper] = merge_drafts(drafts)
    assert (paper.hf_upvotes, paper.hf_comments, paper.github_stars) == (12, 4, 3)


def test_paper_seen_only_by_hugging_face_and_pwc_is_kept_with_their_fields() -> None:
    drafts = [
        pwc(
            "2502.00001",
            title="Graph Transformers",
            abstract="PwC abstract",
            authors=["B. Author"],
            github_repo="https://github.com/lab/graphs.git",
        ),
        hf(
            "2502.00001",
            title="Graph Transformers (HF)",
            abstract="HF abstract",
            hf_upvotes=9,
            published=datetime(2025, 2, 3),
        ),
    ]
    [paper] = merge_drafts(drafts)
    assert paper.title == "Graph Transformers (HF)"  # Hugging Face first among the non-arXiv sources
    assert paper.abstract == "HF abstract"
    assert paper.authors == ["B. Author"]
    assert paper.github_repo == "lab/graphs"  # URL reduced to owner/name
    assert paper.published == datetime(2025, 2, 3, tzinfo=UTC)  # naive taken as UTC
    assert paper.version is None
    assert paper.categories == []
    assert paper.sources == ["huggingface", "pwc"]


def test_text_is_nfkc_normalised_with_whitespace_collapsed() -> None:
    draft = arxiv(
        title="  E\ufb03cient\n  Fine-Tuning\u00a0of\tLarge\r\nModels ",
        abstract="Line one\n\nline   two.\u2003End",
        authors=["Ada\nLovelace", "  ", "Ada Lovelace", "\uff27race Hopper"],
        comment="   ",
    )
    [paper] = merge_drafts([draft, hf(ai_keywords=["LoRA ", "lora", "Fine\ntuning"])])
    assert paper.title == "Efficient Fine-Tuning of Large Models"
    assert paper.abstract == "Line one line two. End"
    assert paper.authors == ["Ada Lovelace", "Grace Hopper"]
    assert paper.comment is None  # blank text is unknown, not ""
    assert paper.ai_keywords == ["LoRA", "Fine tuning"]


def test_one_record_per_id_in_first_seen_order() -> None:
    drafts = [
        arxiv("2501.00003"),
        hf("2501.00001", title="HF only"),
        arxiv("2501.00002"),
        arxiv("2501.00003"),
    ]
    assert [p.arxiv_id for p in merge_drafts(drafts)] == ["2501.00003", "2501.00001", "2501.00002"]


def test_has_code_is_true_when_any_source_says_so() -> None:
    [paper] = merge_drafts([arxiv(), hf(has_code=False), pwc(has_code=True)])
    assert paper.has_code is True
    [unknown] = merge_drafts([arxiv()])
    assert unknown.has_code is None


def test_sources_listed_on_drafts_are_kept_and_unknown_ones_dropped() -> None:
    [paper] = merge_drafts([arxiv(sources=["arxiv", "semantic-scholar"]), pwc(sources=["huggingface"])])
    assert paper.sources == ["arxiv", "huggingface", "pwc"]


def test_a_paper_without_an_arxiv_record_gets_its_arxiv_pages_so_it_can_be_ingested() -> None:
    [derived] = merge_drafts([hf("hep-th/9901001", title="Strings")])
    assert derived.abs_url == "https://arxiv.org/abs/hep-th/9901001"
    assert derived.pdf_url == "https://arxiv.org/pdf/hep-th/9901001"
    [kept] = merge_drafts([pwc("2502.00002", title="Kept", pdf_url="https://mirror.example/2502.00002.pdf")])
    assert kept.pdf_url == "https://mirror.example/2502.00002.pdf"
    [from_arxiv] = merge_drafts([arxiv("2502.00003", pdf_url=None)])
    assert from_arxiv.pdf_url is None  # an arXiv record says what it has
