"""The evaluation set is well formed and `make eval` scores answers by its README's rules (no stack)."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from pypdf import PdfReader

from portfolio_shared.schemas.papers import Paper, is_arxiv_id
from scripts.eval_chatbot import (
    EVAL_DIR,
    Question,
    facts_missing,
    first_relevant_rank,
    load_questions,
    load_sources,
    pdf_bytes,
    percentile,
    ranked_documents,
    report,
    score,
)

SOURCES = load_sources()


def test_every_question_names_known_sources_and_a_part() -> None:
    questions = load_questions()
    assert len({q.id for q in questions}) == len(questions)
    # `heldout` may be empty: a branch retires its part before the next blind one is merged.
    assert {q.part for q in questions} <= {"tuning", "heldout"} and any(q.part == "tuning" for q in questions)
    answers = [q for q in questions if q.expect == "answer"]
    declines = [q for q in questions if q.expect == "decline"]
    assert len(answers) >= 80 and len(declines) >= 25
    assert all(q.sources and q.facts for q in answers)
    assert all(name in SOURCES for q in answers for name in q.sources)
    assert not any(q.sources or q.facts for q in declines)


def test_held_out_questions_are_fresh_and_retired_questions_are_tuning() -> None:
    rows = yaml.safe_load((EVAL_DIR / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    heldout = [r for r in rows if r["part"] == "heldout"]
    assert not any(r.get("retired_heldout") for r in heldout)
    # The earlier parts (h2-… to h6-…) are retired into tuning and never held out again.
    earlier = ("h2-", "h3-", "h4-", "h5-", "h6-")
    assert not any(r["id"].startswith(earlier) for r in heldout)
    retired = [r for r in rows if r.get("retired_heldout")]
    assert all(r["part"] == "tuning" for r in retired)
    assert all(r.get("retired_heldout") for r in rows if r["id"].startswith(earlier))


def test_every_paper_is_valid_and_matched_by_its_source() -> None:
    papers = [Paper.model_validate(p) for p in json.loads((EVAL_DIR / "papers.json").read_text())["papers"]]
    for paper in papers:
        assert is_arxiv_id(paper.arxiv_id) and paper.arxiv_id.startswith("9911.")  # 1999-11: never real
        source = SOURCES[f"paper:{paper.arxiv_id}"]
        assert source.matches(paper.title, None)
        assert source.matches("Anything", f"https://site.example/papers/{paper.arxiv_id}")


def test_the_pdf_has_one_page_per_entry_with_its_text() -> None:
    spec, data = pdf_bytes()
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == len(spec["pages"]) == 4
    assert "Each group of 64 elements" in " ".join(pages[1].extract_text().split())  # page 2's text
    assert spec["document_key"] == f"paper:{spec['arxiv_id']}"


def test_a_source_matches_on_url_and_title_together() -> None:
    lumen = SOURCES["journey:lumen"]
    assert lumen.matches("Senior ML Engineer — Lumen Analytics", "http://x/journey#journey-7")
    assert not lumen.matches("Machine Learning Engineer — Quillpath", "http://x/journey#journey-7")
    assert not lumen.matches("Senior ML Engineer — Lumen Analytics", "http://x/projects/evalkit")
    profile, stack = SOURCES["profile"], SOURCES["tech-stack"]
    assert profile.matches("About Vasu Kapoor", "http://x/about")
    assert not profile.matches("Tech stack", "http://x/about#tech-stack")
    assert stack.matches("Tech stack", "http://x/about#tech-stack")


def test_facts_are_case_insensitive_alternatives() -> None:
    assert (
        facts_missing("He studied at the NATIONAL Institute of Technology.", ["national institute|NIT"]) == []
    )
    assert facts_missing("Cut by 40%.", ["40%", "2M|2 million"]) == ["2M|2 million"]


def test_an_answer_needs_a_right_citation_and_every_fact() -> None:
    q = Question(
        "x-01", "tuning", "project", "Tell me about evalkit", "answer", (), ("project:evalkit",), ("ROUGE",)
    )
    right = {"title": "evalkit", "url": "http://x/projects/evalkit"}
    wrong = {"title": "Open-sourced an LLM evaluation toolkit", "url": "http://x/journey#journey-4"}
    assert score(q, SOURCES, {"answer": "Scores with ROUGE [1]", "citations": [right]}, 1.0).ok
    assert not score(q, SOURCES, {"answer": "Scores with ROUGE [1]", "citations": [wrong]}, 1.0).ok
    assert not score(q, SOURCES, {"answer": "A library [1]", "citations": [right]}, 1.0).ok
    assert not score(q, SOURCES, None, None, "503").ok


def test_a_decline_is_an_answer_without_citations() -> None:
    q = Question("d-01", "tuning", "decline", "Did he work at Google?", "decline")
    assert score(q, SOURCES, {"answer": "I could not find anything", "citations": []}, 1.0).ok
    assert not score(q, SOURCES, {"answer": "Lumen [1]", "citations": [{"title": "t", "url": None}]}, 1.0).ok


def test_ranking_collapses_chunks_to_documents() -> None:
    hits = [
        {"document_key": "profile", "title": "About Vasu Kapoor", "source_url": "http://x/about"},
        {"document_key": "profile", "title": "About Vasu Kapoor", "source_url": "http://x/about"},
        {
            "document_key": "project:evalkit",
            "title": "evalkit",
            "metadata": {"source_url": "http://x/projects/evalkit"},
        },
    ]
    ranked = ranked_documents(hits)
    assert len(ranked) == 2
    assert first_relevant_rank(ranked, [SOURCES["project:evalkit"]]) == 2
    assert first_relevant_rank(ranked, [SOURCES["tech-stack"]]) is None


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95)) == (50.0, 95.0)
    assert percentile([], 50) is None


def test_a_part_without_questions_is_reported_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    q = Question("d-01", "tuning", "decline", "Did he work at Google?", "decline")
    declined = score(q, SOURCES, {"answer": "I could not find anything", "citations": []}, 1.0)
    figures = report([declined], ("tuning", "heldout"), verbose=False)
    assert set(figures) == {"tuning"} and figures["tuning"]["decline_accuracy"] == 1.0
    assert "heldout: no heldout questions" in capsys.readouterr().out
