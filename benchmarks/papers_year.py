"""Papers at a year's scale: 200,000 papers (cs.AI + cs.LG + cs.CL bring about that many a year).

Seeds the papers with ``COPY`` (the bulk endpoint's own speed is benchmarks/papers.py's business),
starts one core worker as deployed with the papers cache off (``PAPERS_CACHE_SECONDS=0``: every
request reaches Postgres), and loads each public read with wrk over 10 connections: the list page,
a common-term search (bounded ranking, see papers.selectors), a one-typo search (the term
dictionary's correction), and the facets. A bare Django view on one worker is measured in the same
run; each row prints its p99 and the ratio to the bare view's.

Run alone with ``uv run python -m benchmarks.papers_year`` (``--papers`` for a smaller corpus).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.types.json import Jsonb

from benchmarks import wrk
from benchmarks.load import Result
from benchmarks.paper_corpus import COMMON_QUERY, TYPO_QUERY, corpus
from benchmarks.papers import BASELINE_WORKER, gunicorn, migrate_core
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from scripts import devstack
from scripts.stack import ROOT, drop_databases, free_port, running, stack_env, wait_for

PAPERS = 200_000
CONCURRENCY = 10
SECONDS = 15.0
SEED_BATCH = 5_000
#: The facet counts' trigger on INSERT (papers.facets.TRIGGERS), off while seeding.
FACET_INSERT_TRIGGER = "papers_facet_insert"

#: The papers' columns COPY fills from a corpus paper (the rest keep their defaults).
COLUMNS = [
    *("arxiv_id", "version", "title", "abstract", "authors", "primary_category", "categories"),
    *("published", "updated", "abs_url", "pdf_url", "sources", "hf_upvotes", "hf_comments"),
    *("github_repo", "github_stars", "topics", "tags", "relevance", "relevance_components"),
]
#: The facets endpoint (`GET /api/papers/facets/`) is built on another branch: the merger sets
#: this path (e.g. "/api/papers/facets/") and its row joins the report; None skips it.
FACETS_PATH: str | None = "/api/papers/facets/"

#: (label, path, p99 target in ms); None paths are skipped.
READS: list[tuple[str, str | None, float]] = [
    ("papers list page", "/api/papers/", 50.0),
    (f"search common term {COMMON_QUERY!r}", "/api/papers/?search=" + COMMON_QUERY.replace(" ", "+"), 150.0),
    (f"search one typo {TYPO_QUERY!r}", f"/api/papers/?search={TYPO_QUERY}", 150.0),
    ("papers facets", FACETS_PATH, 50.0),
]


def core_command(port: int) -> list[str]:
    """Core as deployed (gunicorn with uvicorn workers, :func:`benchmarks.papers.gunicorn`), one worker."""
    return gunicorn("config.asgi:application", port, workers=1)


def baseline_command(port: int) -> list[str]:
    """The bare Django view, served as :func:`core_command` serves core."""
    return gunicorn("benchmarks.baselines:django_app", port, workers=1, worker_class=BASELINE_WORKER)


@contextmanager
def core_running(env: dict[str, str], tmp: Path) -> Iterator[str]:
    port = free_port()
    proc_env = {**env, "DATABASE_URL": env["CORE_DATABASE_URL"], "PAPERS_CACHE_SECONDS": "0"}
    with running(core_command(port), proc_env, ROOT / "backend", tmp / "core.log") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for([url + "/ready"], proc, timeout=120)
        yield url


def seed(env: dict[str, str], papers: int) -> float:
    """COPY ``papers`` corpus papers into core's table; VACUUM ANALYZE as autovacuum would. Seconds.

    The facet counts' insert trigger (papers.facets) is off during the COPY and the counts are
    refilled once after it (``papers.facets.REFILL``, what the migration does): the trigger would
    cost ~90 s on 200,000 rows, the refill a few seconds, and the counts are the same. The title-word
    dictionary's trigger stays on (the one-typo search corrects against it; one statement, seconds).
    """
    database_url = env["CORE_DATABASE_URL"]
    started = time.perf_counter()
    statement = f"COPY papers_paper ({', '.join(COLUMNS)}, pinned, hidden, created, modified) FROM STDIN"
    with psycopg.connect(database_url, connect_timeout=DB_CONNECT_TIMEOUT_S) as conn:
        conn.execute(f"ALTER TABLE papers_paper DISABLE TRIGGER {FACET_INSERT_TRIGGER}")
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for start in range(0, papers, SEED_BATCH):
                for paper in corpus(min(SEED_BATCH, papers - start), start=start):
                    row = [paper.get(column) for column in COLUMNS]
                    row[COLUMNS.index("relevance_components")] = Jsonb(paper["relevance_components"])
                    copy.write_row([*row, False, False, paper["published"], paper["published"]])
                print(f"  seeded {start + SEED_BATCH:>7,} papers", file=sys.stderr)
        conn.execute(f"ALTER TABLE papers_paper ENABLE TRIGGER {FACET_INSERT_TRIGGER}")
        conn.commit()
    refill_facets(env)
    with psycopg.connect(database_url, connect_timeout=DB_CONNECT_TIMEOUT_S) as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def refill_facets(env: dict[str, str]) -> None:
    """Recount the facet table from the papers (``papers.facets.REFILL``, run by core's own code)."""
    code = (
        "from django.db import connection; from papers.facets import REFILL; "
        "connection.cursor().execute(REFILL)"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT / "backend",
        env={**env, "DATABASE_URL": env["CORE_DATABASE_URL"]},
        check=True,
    )


def _get(url: str) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode("latin-1")


def measure(url: str) -> Result:
    return wrk.run(url, [_get(url)], seconds=SECONDS, connections=CONCURRENCY)


def run(tmp: Path, *, papers: int = PAPERS) -> list[str]:
    """Seed, serve and load; return the report's lines."""
    if not wrk.available():
        return ["", f"papers at a year's scale: skipped ({wrk.WRK_MISSING})"]
    tmp.mkdir(parents=True, exist_ok=True)
    env = stack_env(tmp, LOG_LEVEL="WARNING")
    try:
        devstack.create_databases(env)
        migrate_core(env)
        seconds = seed(env, papers)
        port = free_port()
        with running(baseline_command(port), {"PATH": env["PATH"]}, ROOT, tmp / "base.log") as proc:
            wait_for([f"http://127.0.0.1:{port}/health"], proc, timeout=60)
            baseline = measure(f"http://127.0.0.1:{port}/health")
        rows: list[tuple[str, Result, float]] = []
        with core_running(env, tmp) as url:
            for label, path, target in READS:
                if path is not None:
                    rows.append((label, measure(url + path), target))
    finally:
        drop_databases(env)
    return _report(papers, seconds, baseline, rows)


def _report(
    papers: int, seeded_s: float, baseline: Result, rows: list[tuple[str, Result, float]]
) -> list[str]:
    lines = [
        "",
        f"papers at a year's scale: {papers:,} papers (seeded by COPY in {seeded_s:.0f} s), one core worker, "
        f"caches off, {CONCURRENCY} connections, wrk {SECONDS:g} s per row",
        "",
        f"{'endpoint':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p99/base':>8} {'errors':>6}  target",
    ]
    lines.append(
        f"{'baseline: bare django, 1 worker':<40} {baseline.rps:8.0f} {baseline.p50_ms:8.1f} "
        f"{baseline.p99_ms:8.1f} {'-':>8} {baseline.errors:6d}"
    )
    for label, result, target in rows:
        ratio = result.p99_ms / baseline.p99_ms if baseline.p99_ms else float("nan")
        verdict = "ok" if result.p99_ms <= target and not result.errors else "OVER"
        lines.append(
            f"{label:<40} {result.rps:8.0f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} {ratio:7.2f}x "
            f"{result.errors:6d}  ≤ {target:.0f} ms {verdict}"
        )
    if FACETS_PATH is None:
        lines.append("papers facets: no facets endpoint on this branch (benchmarks.papers_year.FACETS_PATH)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.papers_year")
    parser.add_argument("--papers", type=int, default=PAPERS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-papers-year-") as tmp:
        print("\n".join(run(Path(tmp), papers=args.papers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
