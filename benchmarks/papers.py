"""Papers benchmark: 20,000 papers in core, one gunicorn worker, 10 connections.

Measures the plain list, a common-term search and a one-typo search (req/s, p50, p99; target p99
≤ 50 ms) with core's response cache on (as deployed) and off (every request queries Postgres),
and the bulk upsert of 2,000 papers (new, unchanged, newer versions; target ≤ 2 s each), beside a
bare Django JSON view on one worker measured in the same run.

Core runs as the Procfile runs it, with ``--workers 1``: the Procfile's two workers would halve
what one worker must sustain. Run alone with ``uv run python -m benchmarks.papers``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from benchmarks.load import Result, measure
from benchmarks.paper_corpus import COMMON_QUERY, TYPO_QUERY, corpus
from portfolio_shared.auth import SigningKey, issue_token
from portfolio_shared.health import DB_CONNECT_TIMEOUT_S
from scripts import devstack
from scripts.stack import ROOT, drop_databases, free_port, running, stack_env, wait_for

PAPERS = 20_000
BATCH = 2_000
CONCURRENCY = 10
TARGET_P99_MS = 50.0
TARGET_BULK_S = 2.0

GETS = [
    ("papers list", "/api/papers/"),
    (f"papers search {COMMON_QUERY!r}", "/api/papers/?search=" + COMMON_QUERY.replace(" ", "+")),
    (f"papers search {TYPO_QUERY!r}", f"/api/papers/?search={TYPO_QUERY}"),
]


@dataclass(frozen=True)
class Bulk:
    label: str
    seconds: float
    answer: dict[str, int]


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


#: The worker class core runs under (config/worker.py: uvicorn's, ASGI), as the Procfile starts it.
CORE_WORKER = "config.worker.CoreWorker"
#: The same server for the bare-Django baseline, which runs outside backend/.
BASELINE_WORKER = "uvicorn_worker.UvicornWorker"


def gunicorn(app: str, port: int, *, workers: int, worker_class: str = CORE_WORKER) -> list[str]:
    """gunicorn serving the ASGI ``app`` with uvicorn workers on 127.0.0.1:``port``."""
    return [
        _bin("gunicorn"),
        app,
        "--worker-class",
        worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]


@contextmanager
def core_server(env: dict[str, str], tmp: Path, name: str, **overrides: str) -> Iterator[str]:
    """One gunicorn worker (uvicorn, ASGI) serving core, as the Procfile starts it; yields its URL."""
    port = free_port()
    cmd = [*gunicorn("config.asgi:application", port, workers=1), "--access-logfile", "-"]
    proc_env = {**env, "DATABASE_URL": env["CORE_DATABASE_URL"], **overrides}
    with running(cmd, proc_env, ROOT / "backend", tmp / f"{name}.log") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for([url + "/ready"], proc, timeout=120)
        yield url


def migrate_core(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT / "backend",
        env={**env, "DATABASE_URL": env["CORE_DATABASE_URL"]},
        check=True,
    )


def _post_bulk(client: httpx.Client, url: str, key: SigningKey, body: bytes) -> tuple[float, dict[str, int]]:
    token = issue_token(issuer="scraper", audience="core", key=key)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    response = client.post(url + "/api/internal/papers/bulk/", content=body, headers=headers)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


def _batch(start: int, *, version: int = 1, seed: int = 7) -> bytes:
    return json.dumps({"papers": corpus(BATCH, start=start, version=version, seed=seed)}).encode()


def _load_and_upsert(url: str, key: SigningKey, core_db: str) -> list[Bulk]:
    """Load PAPERS papers in batches; then time the last batch again: unchanged, then newer versions."""
    results = []
    with httpx.Client(timeout=120) as client:
        for start in range(0, PAPERS, BATCH):
            seconds, answer = _post_bulk(client, url, key, _batch(start))
            print(f"  loaded {start + BATCH:>6} papers ({seconds:.2f} s)", file=sys.stderr)
        last = PAPERS - BATCH
        results.append(Bulk(f"bulk 2,000 new (→{PAPERS:,})", seconds, answer))
        # Steady state, as autovacuum would leave it: visibility map and planner statistics.
        with psycopg.connect(core_db, autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S) as conn:
            conn.execute("VACUUM ANALYZE papers_paper")
        seconds, answer = _post_bulk(client, url, key, _batch(last))
        results.append(Bulk("bulk 2,000 unchanged", seconds, answer))
        seconds, answer = _post_bulk(client, url, key, _batch(last, version=2))
        results.append(Bulk("bulk 2,000 newer version, same text", seconds, answer))
        # New titles and abstracts: the search vector is recomputed for every row.
        seconds, answer = _post_bulk(client, url, key, _batch(last, version=3, seed=8))
        results.append(Bulk("bulk 2,000 newer version, new text", seconds, answer))
        with psycopg.connect(core_db, autocommit=True, connect_timeout=DB_CONNECT_TIMEOUT_S) as conn:
            conn.execute("VACUUM ANALYZE papers_paper")
    return results


def run(tmp: Path, *, requests: int = 2000) -> list[str]:
    """Run the whole papers benchmark in ``tmp``; return the report's lines."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = stack_env(tmp, LOG_LEVEL="WARNING")
    scraper_key = devstack.stack_signing_key(env, "scraper")
    uncached_requests = max(200, requests // 4)
    gets: list[tuple[str, Result]] = []
    try:
        devstack.create_databases(env)
        migrate_core(env)

        port = free_port()
        base = f"http://127.0.0.1:{port}/health"
        cmd = gunicorn("benchmarks.baselines:django_app", port, workers=1, worker_class=BASELINE_WORKER)
        with running(cmd, {"PATH": env["PATH"]}, ROOT, tmp / "base.log") as proc:
            wait_for([base], proc, timeout=60)
            baseline = measure(base, requests=requests, concurrency=CONCURRENCY)

        with core_server(env, tmp, "core-cached") as url:
            bulks = _load_and_upsert(url, scraper_key, env["CORE_DATABASE_URL"])
            for label, path in GETS:
                result = measure(url + path, requests=requests, concurrency=CONCURRENCY)
                gets.append((f"{label} (cached)", result))
        with core_server(env, tmp, "core-uncached", PAPERS_CACHE_SECONDS="0") as url:
            for label, path in GETS:
                result = measure(url + path, requests=uncached_requests, concurrency=CONCURRENCY)
                gets.append((f"{label} (no cache)", result))
    finally:
        drop_databases(env)
    return _report(baseline, gets, bulks, requests, uncached_requests)


def _report(
    baseline: Result, gets: list[tuple[str, Result]], bulks: list[Bulk], requests: int, uncached: int
) -> list[str]:
    lines = [
        "",
        f"papers: {PAPERS:,} papers, one gunicorn uvicorn worker (ASGI), {CONCURRENCY} connections, "
        f"{requests} GETs per cached row, {uncached} per uncached row; target p99 ≤ {TARGET_P99_MS:.0f} ms",
        "",
        f"{'endpoint':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99/base':>8} {'errors':>6}  target",
    ]

    def row(label: str, result: Result, base: Result | None) -> str:
        ratio = f"{result.p99_ms / base.p99_ms:5.2f}x" if base and base.p99_ms else "   - "
        verdict = "ok" if result.p99_ms <= TARGET_P99_MS and not result.errors else "OVER"
        return (
            f"{label:<44} {result.rps:9.0f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} {ratio:>8} "
            f"{result.errors:6d}  {verdict}"
        )

    lines.append(row("baseline: bare django, 1 worker", baseline, None))
    lines += [row(label, result, baseline) for label, result in gets]
    lines += [
        "",
        f"{'bulk upsert (POST, 2,000 papers)':<44} {'seconds':>9}  answer  target ≤ {TARGET_BULK_S:.0f} s",
    ]
    for bulk in bulks:
        verdict = "ok" if bulk.seconds <= TARGET_BULK_S else "OVER"
        lines.append(f"{bulk.label:<44} {bulk.seconds:9.2f}  {bulk.answer}  {verdict}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.papers")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-papers-") as tmp:
        print("\n".join(run(Path(tmp), requests=args.requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
