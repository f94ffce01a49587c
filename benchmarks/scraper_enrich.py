"""Scraper benchmark: merge, classify, tag, score and validate 1,500 papers (issue 9, item 4).

The drafts come from the deterministic corpus of ``benchmarks.paper_corpus`` as the sources would yield
them: 1,500 arXiv drafts, a Hugging Face draft for about a quarter of them and a Papers with Code draft for
those with code (about 2,300 drafts in all), shuffled with a fixed seed. The target (≤ 30 s, issue 16:
embeddings of titles and keywords included) covers merge, enrich, score *and delivery* to core; this
measures the first three, in process (the model loaded before the clock starts), so the rest of the
budget is what delivery may take (``benchmarks.scraper`` measures the whole).
Run alone with ``uv run python -m benchmarks.scraper_enrich``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from benchmarks.paper_corpus import corpus
from portfolio_scraper.enrich import enrich, paper_text, to_paper
from portfolio_scraper.enrich.classifier import TopicClassifier
from portfolio_scraper.enrich.merge import merge_drafts
from portfolio_scraper.enrich.score import InterestProfile, score
from portfolio_scraper.enrich.tags import tags_for
from portfolio_scraper.enrich.text import singular, tokens
from portfolio_scraper.sources.types import PaperDraft

PAPERS = 1_500
TARGET_S = 30.0
NOW = datetime(2026, 11, 29, tzinfo=UTC)
PROFILE = InterestProfile(
    ["large language models", "retrieval-augmented generation", "agents", "mlops", "pytorch", "fastapi"],
    weights={"django": 1.0, "kubernetes": 0.8, "postgresql": 0.8, "portfolio chatbot": 0.5},
)
_ARXIV_FIELDS = (
    "version", "title", "abstract", "authors", "primary_category", "categories", "abs_url", "pdf_url",
)  # fmt: skip


def drafts(count: int = PAPERS, *, seed: int = 11) -> list[PaperDraft]:
    """The drafts of ``count`` papers as arXiv, Hugging Face and Papers with Code would yield them."""
    rng = random.Random(seed)
    out: list[PaperDraft] = []
    for paper in corpus(count, seed=seed):
        published = datetime.fromisoformat(paper["published"])
        arxiv_id = paper["arxiv_id"]
        # arXiv's text arrives wrapped at ~80 columns; merge must collapse the breaks.
        title = paper["title"].replace(" ", "\n  ", 1)
        fields = {name: paper[name] for name in _ARXIV_FIELDS} | {"title": title}
        out.append(
            PaperDraft(
                arxiv_id=f"{arxiv_id}v{paper['version']}",
                source="arxiv",
                published=published,
                updated=published + timedelta(hours=rng.randint(0, 48)),
                **fields,
            )
        )
        if paper["hf_upvotes"] is not None:
            keywords = rng.sample(paper["abstract"].split(), 5) if rng.random() < 0.6 else []
            out.append(
                PaperDraft(
                    arxiv_id=arxiv_id,
                    source="huggingface",
                    title=paper["title"],
                    hf_upvotes=paper["hf_upvotes"],
                    hf_comments=paper["hf_comments"],
                    ai_keywords=keywords,
                    github_repo=paper["github_repo"],
                )
            )
        if paper["github_repo"] is not None:
            out.append(
                PaperDraft(
                    arxiv_id=arxiv_id,
                    source="pwc",
                    github_repo=f"https://github.com/{paper['github_repo']}",
                    github_stars=paper["github_stars"],
                    has_code=True,
                )
            )
    rng.shuffle(out)
    return out


def _cold() -> None:
    # Each round starts with empty word caches, as a fresh process would: otherwise a round would reuse
    # the tokens of the previous one (same texts) and report less than the real work.
    tokens.cache_clear()
    singular.cache_clear()


def stages(classifier: TopicClassifier, given: list[PaperDraft]) -> dict[str, float]:
    """Seconds per stage of one run (merge, topics, tags, score, validate), for the breakdown line."""
    _cold()
    times: dict[str, float] = {}
    start = time.perf_counter()
    papers = merge_drafts(given)
    times["merge"] = time.perf_counter() - start
    start = time.perf_counter()
    for p, topics in zip(papers, classifier.classify_many([paper_text(p) for p in papers]), strict=True):
        p.topics = topics
    times["topics"] = time.perf_counter() - start
    start = time.perf_counter()
    for p in papers:
        p.tags = tags_for(p)
    times["tags"] = time.perf_counter() - start
    start = time.perf_counter()
    for p in papers:
        p.relevance, p.relevance_components = score(p, PROFILE, now=NOW)
    times["score"] = time.perf_counter() - start
    start = time.perf_counter()
    for p in papers:
        to_paper(p)
    times["validate"] = time.perf_counter() - start
    return times


def run(papers: int = PAPERS, rounds: int = 5) -> list[str]:
    """Measure ``rounds`` full runs (cold word caches each); return the report lines."""
    classifier = TopicClassifier.default()
    started = time.perf_counter()
    classifier.warm_up()
    load_s = time.perf_counter() - started
    given = drafts(papers)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        _cold()
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        result = enrich(given, classifier=classifier, profile=PROFILE, now=NOW)
        wall.append(time.perf_counter() - wall_start)
        cpu.append(time.process_time() - cpu_start)
    kept, rejected = len(result.papers), len(result.rejected)
    median = statistics.median(wall)
    verdict = "ok" if median <= TARGET_S else "MISSED"
    breakdown = stages(classifier, given)
    return [
        "",
        "scraper enrichment",
        f"  merge + topics + tags + score + validate, {len(given):,} drafts → {kept:,} papers ({rejected} "
        f"rejected): median {median:.3f} s wall, {statistics.median(cpu):.3f} s CPU, best {min(wall):.3f} s "
        f"over {rounds} runs ({kept / median:,.0f} papers/s); target ≤ {TARGET_S:.0f} s including delivery  "
        f"{verdict}",
        "    stages: " + ", ".join(f"{name} {value:.3f} s" for name, value in breakdown.items()),
        f"    model load + prototype embeddings (once per process, not in the figure): {load_s:.2f} s",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scraper_enrich", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--papers", type=int, default=PAPERS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print("\n".join(run(args.papers, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
