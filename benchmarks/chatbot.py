"""Chatbot benchmark: core's ``POST /api/chatbot/`` and the time to the first event of
``POST /api/chatbot/stream/`` (extractive) with 100,000 chunks stored.

Core (one gunicorn uvicorn worker, as the papers benchmark runs it) answers from the document processor's
API holding the chunks ``benchmarks.documents`` loads (synthetic abstracts). Questions are built
from the corpus's common terms and asked one at a time; beside them, in the same run, the same
queries go straight to the processor's ``POST /search``: the retrieval every answer waits for, so
the difference is what core adds (rate limit, conversation memory, sentence selection, JSON).
Target: p95 ≤ 300 ms, for the whole JSON answer and for the stream's first ``sentence``.
Run alone with ``uv run python -m benchmarks.chatbot`` (``--chunks 20000``
for a quicker run); ``make bench`` runs it inside the document processor's benchmark.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from benchmarks import documents
from benchmarks.load import timed
from benchmarks.papers import core_server, migrate_core
from scripts import devstack
from scripts.stack import drop_databases, stack_env

TARGET_P95_MS = 300.0


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q * len(sorted_ms)) - 1))]


FIRST_EVENTS = ("event: sentence", "event: token")


def _first_event(client: httpx.Client, url: str, body: dict[str, str]) -> tuple[float, bool]:
    """Milliseconds until the stream's first ``sentence``/``token`` event; whether one came (the
    stream is read to its end, as the page does)."""
    started = time.perf_counter()
    first: float | None = None
    with client.stream("POST", url, json=body, headers={"Accept": "text/event-stream"}) as response:
        for line in response.iter_lines():
            if first is None and line.startswith(FIRST_EVENTS):
                first = (time.perf_counter() - started) * 1000
    return (first if first is not None else (time.perf_counter() - started) * 1000), first is not None


def run_with(documents_env: dict[str, str], tmp: Path, *, questions: int = 300, chunks: int) -> list[str]:
    """Measure the chatbot in front of a running, loaded document processor; the report's lines."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = stack_env(tmp, LOG_LEVEL="WARNING")
    queries = documents.questions_terms(questions)
    try:
        devstack.create_databases(env)
        migrate_core(env)
        with (
            core_server(
                env,
                tmp,
                "core-chatbot",
                DOCUMENTS_URL=documents_env["API_URL"],
                SERVICE_SIGNING_KEY=documents.KEYS["core"].text(),
                LLM_PROVIDER="extractive",
                CHATBOT_RATE_LIMIT="1000000",
            ) as core_url,
            httpx.Client(timeout=30) as client,
        ):

            def ask(query: str) -> Callable[[], httpx.Response]:
                # "What" and "is" are stopwords to Postgres too: the keyword side sees the terms alone.
                return lambda: client.post(f"{core_url}/api/chatbot/", json={"message": f"What is {query}?"})

            def search(query: str) -> Callable[[], httpx.Response]:
                return lambda: client.post(
                    f"{documents_env['API_URL']}/search",
                    json={"query": f"What is {query}?", "k": 6},
                    headers=documents.service_headers(),
                )

            timed([ask(q) for q in queries[:20]])  # warm-up: connections, the query embedder
            chat_ms, answers = timed([ask(q) for q in queries])
            firsts = [
                _first_event(client, f"{core_url}/api/chatbot/stream/", {"message": f"What is {q}?"})
                for q in queries
            ]
            search_ms, _ = timed([search(q) for q in queries])
    finally:
        drop_databases(env)
    errors = sum(r.status_code != 200 for r in answers)
    cited = sum(r.status_code == 200 and bool(r.json()["citations"]) for r in answers)
    p95 = _percentile(chat_ms, 0.95)
    verdict = "ok" if p95 <= TARGET_P95_MS and not errors else "MISSED"
    base_p95 = _percentile(search_ms, 0.95)
    first_ms = sorted(ms for ms, _ in firsts)
    streamed = sum(ok for _, ok in firsts)
    first_p95 = _percentile(first_ms, 0.95)
    first_verdict = "ok" if first_p95 <= TARGET_P95_MS and streamed == questions else "MISSED"
    return [
        "",
        f"chatbot (extractive), {chunks:,} chunks stored, {questions} questions one at a time, "
        "one core worker",
        f"  POST /api/chatbot/: p50 {statistics.median(chat_ms):6.1f} ms, p95 {p95:6.1f} ms, "
        f"p99 {_percentile(chat_ms, 0.99):6.1f} ms; {cited}/{questions} answered with citations, "
        f"{errors} errors; target p95 ≤ {TARGET_P95_MS:.0f} ms  {verdict}",
        f"  POST /api/chatbot/stream/, first sentence: p50 {statistics.median(first_ms):6.1f} ms, "
        f"p95 {first_p95:6.1f} ms, p99 {_percentile(first_ms, 0.99):6.1f} ms; {streamed}/{questions} "
        f"streams sent one; target p95 ≤ {TARGET_P95_MS:.0f} ms  {first_verdict}",
        f"  baseline POST /search alone: p50 {statistics.median(search_ms):6.1f} ms, p95 {base_p95:6.1f} ms; "
        f"chatbot p95 / search p95 = {p95 / base_p95:4.2f}x, first sentence p95 / search p95 = "
        f"{first_p95 / base_p95:4.2f}x",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chatbot", description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-chatbot-") as tmp_dir,
        documents.documents_stack(Path(tmp_dir), worker=False) as documents_env,
    ):
        documents.load_chunks(documents_env, args.chunks)
        lines = run_with(documents_env, Path(tmp_dir) / "core", questions=args.questions, chunks=args.chunks)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
