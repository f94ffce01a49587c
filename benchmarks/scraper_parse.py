"""Scraper parse benchmark: one 2,000-entry arXiv Atom page through the scraper's lxml parser.

The page is written by the tests' format writer (services/scraper/tests/upstream_formats.py, the
same Atom the fake upstream serves), parsed ``rounds`` times, and reported as entries per second
(target ≥ 2,000/s), beside feedparser on the same bytes as the baseline measured in the same run.
Run alone with ``uv run python -m benchmarks.scraper_parse``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ROOT / "services" / "scraper" / "tests" / "upstream_formats.py"
TARGET_ENTRIES_PER_S = 2_000.0


def _formats() -> ModuleType:
    # The writer lives with the tests (it is test tooling, not scraper code); load it by path.
    spec = importlib.util.spec_from_file_location("upstream_formats", FORMATS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("upstream_formats", module)
    spec.loader.exec_module(module)
    return module


def atom_page(entries: int = 2_000) -> bytes:
    """A full result page of ``entries`` plausible entries in the current API's Atom."""
    formats = _formats()
    rows = formats.sample_entries(entries, newest=datetime(2026, 11, 28, 20, 0, tzinfo=UTC))
    page: bytes = formats.atom_feed(rows, total=entries * 3, per_page=entries)
    return page


def bench_parse(page: bytes, *, rounds: int = 5) -> tuple[float, int]:
    """Best-of-``rounds`` entries/s of the scraper's ``parse_feed``, and the number of drafts it made."""
    from portfolio_scraper.sources.arxiv import parse_feed

    best = float("inf")
    drafts = 0
    for _ in range(rounds):
        started = time.perf_counter()
        parsed = parse_feed(page)
        best = min(best, time.perf_counter() - started)
        drafts = len(parsed.drafts)
    return drafts / best, drafts


def bench_feedparser(page: bytes) -> float:
    """feedparser's entries/s on the same page (one round: it is slow)."""
    import feedparser

    started = time.perf_counter()
    parsed = feedparser.parse(page)
    return len(parsed.entries) / (time.perf_counter() - started)


def run(entries: int = 2_000, rounds: int = 5) -> list[str]:
    """Measure and return the report lines."""
    page = atom_page(entries)
    rate, drafts = bench_parse(page, rounds=rounds)
    baseline = bench_feedparser(page)
    verdict = "ok" if rate >= TARGET_ENTRIES_PER_S and drafts == entries else "UNDER"
    return [
        f"scraper arXiv parse ({entries:,} entries, {len(page) / 1e6:.1f} MB, lxml): "
        f"{rate:,.0f} entries/s  [target >= {TARGET_ENTRIES_PER_S:,.0f}/s: {verdict}]",
        f"  baseline feedparser on the same page: {baseline:,.0f} entries/s "
        f"(lxml parser {rate / baseline:.1f}x)",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    lines = run(args.entries, args.rounds)
    print("\n".join(lines))
    return 0 if "UNDER" not in lines[0] else 1


if __name__ == "__main__":
    sys.exit(main())
