"""Run the benchmarks: `make bench` (or `uv run python -m benchmarks`).

Starts the real services (throwaway databases, free ports) and bare baselines served the same way
(gunicorn with uvicorn workers for Django,
one uvicorn worker for FastAPI), loads each public GET, and prints req/s, p50
and p99, the ratio of each p99 to its baseline's, and the plan's target (p99 ≤ 200 ms). Then the
papers benchmark (benchmarks/papers.py: 20,000 papers, one worker, list/search/typo and bulk upsert)
and the papers at a year's scale (benchmarks/papers_year.py: 200,000 papers seeded by COPY, caches off),
the document processor's (benchmarks/documents.py: extraction, embedding, search at scale, upload
to searchable; then benchmarks/chatbot.py: the chatbot's p50/p95 against those chunks), similar
papers (benchmarks/similar.py: 20,000 papers' vectors, caches off, p99 ≤ 50 ms) and the
scraper's (benchmarks/scraper_parse.py: arXiv Atom parsing; benchmarks/scraper.py:
merge, enrich, score and deliver 1,500 papers to a real core), analytics ingestion beside a bare
endpoint, the summary at 1,000,000 events and Redis memory per million events
(benchmarks/analytics.py), and the analytics realtime push latency idle and under ingestion load
(benchmarks/analytics_realtime.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks import (
    analytics,
    analytics_realtime,
    chatbot,
    documents,
    papers,
    papers_year,
    scraper,
    scraper_parse,
    similar,
)
from benchmarks.load import Result, measure
from scripts.stack import ROOT, free_port, running, services_running, wait_for

TARGET_P99_MS = 200.0

#: (label, env key of the service URL, path, baseline)
ENDPOINTS = [
    ("core GET /health", "CORE_URL", "/health", "django"),
    ("core GET /api/schema/", "CORE_URL", "/api/schema/", "django"),
    ("scraper GET /health", "SCRAPER_URL", "/health", "fastapi"),
    ("analytics GET /health", "ANALYTICS_URL", "/health", "fastapi"),
    ("documents GET /health", "DOCUMENTS_URL", "/health", "fastapi"),
]


def baseline_commands(port_django: int, port_fastapi: int) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    return {
        # Two uvicorn workers, as core runs in the Procfile.
        "django": papers.gunicorn(
            "benchmarks.baselines:django_app", port_django, workers=2, worker_class=papers.BASELINE_WORKER
        ),
        "fastapi": [
            str(bin_dir / "uvicorn"),
            "benchmarks.baselines:fastapi_app",
            "--port",
            str(port_fastapi),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
    }


def row(label: str, result: Result, baseline: Result | None) -> str:
    ratio = f"{result.p99_ms / baseline.p99_ms:5.2f}x" if baseline and baseline.p99_ms else "   - "
    verdict = "ok" if result.p99_ms <= TARGET_P99_MS and not result.errors else "OVER"
    return (
        f"{label:<28} {result.rps:9.0f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} {ratio:>8} "
        f"{result.errors:6d}  {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--document-chunks", type=int, default=100_000, help="chunks stored for /search")
    args = parser.parse_args()
    load = {"requests": args.requests, "concurrency": args.concurrency}

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        ports = {"django": free_port(), "fastapi": free_port()}
        commands = baseline_commands(ports["django"], ports["fastapi"])
        baselines: dict[str, Result] = {}
        for name, cmd in commands.items():
            with running(cmd, {"PATH": str(Path(sys.executable).parent)}, ROOT, tmp / f"{name}.log") as proc:
                url = f"http://127.0.0.1:{ports[name]}/health"
                wait_for([url], proc, timeout=60)
                baselines[name] = measure(url, **load)

        processes = ["chroma", "core", "scraper", "analytics", "documents"]
        with services_running(tmp, processes, LOG_LEVEL="WARNING") as env:
            results = [
                (label, measure(env[key] + path, **load), base) for label, key, path, base in ENDPOINTS
            ]
        papers_report = papers.run(tmp / "papers", requests=args.requests)
        papers_year_report = papers_year.run(tmp / "papers-year")
        documents_report = documents.run(
            chunks=args.document_chunks,
            then=lambda env, where: chatbot.run_with(env, where, chunks=args.document_chunks),
        )
        similar_report = similar.run()
        scraper_report = scraper_parse.run() + scraper.run(tmp / "scraper")
        analytics_report = analytics.run()
        realtime_report = analytics_realtime.run()

    print(f"\n{args.requests} GETs per endpoint over {args.concurrency} connections; target p99 ≤ 200 ms\n")
    print(f"{'endpoint':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99/base':>8} {'errors':>6}  target")
    for name, result in baselines.items():
        print(row(f"baseline: bare {name}", result, None))
    for label, result, base in results:
        print(row(label, result, baselines[base]))
    print("\n".join(papers_report))
    print("\n".join(papers_year_report))
    print("\n".join(documents_report))
    print("\n".join(similar_report))
    print("\n".join(scraper_report))
    print("\n".join(analytics_report))
    print("\n".join(realtime_report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
