"""`make eval`: the chatbot's evaluation set (`evals/chatbot/`) asked on the real stack, scored per part.

``python -m scripts.eval_chatbot [--part tuning|heldout|all] [--json out.json] [--verbose]``

1. Starts chroma, core, the document processor and its worker and both outbox dispatchers on free
   ports with throwaway databases (:func:`scripts.stack.services_running`), extractive answers and the
   offline embedder.
2. Loads, through the real endpoints: the sample content (``manage.py seed_dev``; core's outbox indexes
   it), ``papers.json`` (core's bulk endpoint, scraper token: :func:`scripts.e2e_stack.load_papers`) and
   ``pdf.yaml`` rendered to a PDF (the document processor's ``POST /process/pdf``, core token). Waits
   until core's outbox is empty and the document processor has no queued or running job.
3. Asks every question of the chosen part(s) with ``POST /api/chatbot/`` (a follow-up after its
   ``previous`` questions, with their ``conversation_id``) and ranks it with ``POST /search``.
4. Prints, per part: retrieval recall@5 and MRR, answer accuracy, decline accuracy, latency p50/p95.

The rules of the scoring are in ``evals/chatbot/README.md``; the functions here are also used by the
fast subset of ``tests/eval``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from fpdf import FPDF

from portfolio_shared.auth import issue_token
from scripts import devstack
from scripts.e2e_stack import load_papers
from scripts.stack import services_running, wait_until

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT / "evals" / "chatbot"
PARTS = ("tuning", "heldout")
PROCESSES = ["chroma", "core", "core-outbox", "documents", "worker", "documents-outbox"]
#: Documents ranked by ``/search`` for recall@5/MRR; chunks of one document collapse to its first rank.
SEARCH_K = 20
RECALL_AT = 5
INDEXING_TIMEOUT_S = 600


# --- the set --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A stable source identity and the (url, title) patterns that recognise it."""

    name: str
    matchers: tuple[dict[str, re.Pattern[str]], ...]

    def matches(self, title: str | None, url: str | None) -> bool:
        fields = {"title": title or "", "url": urllib.parse.unquote(url or "")}
        return any(all(p.search(fields[k]) for k, p in m.items()) for m in self.matchers)


@dataclass(frozen=True)
class Question:
    id: str
    part: str
    kind: str
    question: str
    expect: str
    previous: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


def load_sources(path: Path = EVAL_DIR / "sources.yaml") -> dict[str, Source]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    return {
        name: Source(
            name,
            tuple({k: re.compile(v, re.IGNORECASE) for k, v in m.items()} for m in spec["match"]),
        )
        for name, spec in raw.items()
    }


def load_questions(path: Path = EVAL_DIR / "questions.yaml") -> list[Question]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return [
        Question(
            id=r["id"],
            part=r["part"],
            kind=r["kind"],
            question=r["question"],
            expect=r["expect"],
            previous=tuple(r.get("previous", ())),
            sources=tuple(r.get("sources", ())),
            facts=tuple(r.get("facts", ())),
        )
        for r in rows
    ]


def pdf_bytes(path: Path = EVAL_DIR / "pdf.yaml") -> tuple[dict[str, Any], bytes]:
    """The PDF of ``pdf.yaml`` (one page per entry of ``pages``) and its description."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page in spec["pages"]:
        pdf.add_page()
        pdf.multi_cell(0, 6, page.strip())
    return spec, bytes(pdf.output())


# --- scoring --------------------------------------------------------------------------------------


def facts_missing(answer: str, facts: Iterable[str]) -> list[str]:
    """The facts (``a|b`` = either substring, case-insensitive) that ``answer`` does not contain."""
    text = answer.lower()
    return [f for f in facts if not any(alt.strip().lower() in text for alt in f.split("|"))]


def first_relevant_rank(
    ranked: Sequence[tuple[str | None, str | None]], wanted: Iterable[Source]
) -> int | None:
    """1-based rank of the first (title, url) that is one of ``wanted``, or None."""
    wanted = list(wanted)
    for rank, (title, url) in enumerate(ranked, start=1):
        if any(s.matches(title, url) for s in wanted):
            return rank
    return None


def ranked_documents(hits: Sequence[dict[str, Any]]) -> list[tuple[str | None, str | None]]:
    """``/search`` hits collapsed to distinct documents in rank order, as (title, url)."""
    seen: set[str] = set()
    ranked: list[tuple[str | None, str | None]] = []
    for hit in hits:
        metadata = hit.get("metadata") or {}
        key = str(hit.get("document_key") or hit.get("id"))
        if key in seen:
            continue
        seen.add(key)
        ranked.append(
            (hit.get("title") or metadata.get("title"), hit.get("source_url") or metadata.get("source_url"))
        )
    return ranked


@dataclass
class Result:
    id: str
    part: str
    kind: str
    question: str
    expect: str
    ok: bool
    latency_ms: float | None
    answer: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    #: The first relevant document's rank in /search (None: not ranked there); ``ranked``: it was asked.
    rank: int | None = None
    ranked: bool = False
    problems: list[str] = field(default_factory=list)


def score(
    q: Question,
    sources: dict[str, Source],
    body: dict[str, Any] | None,
    latency_ms: float | None,
    error: str = "",
) -> Result:
    """Score one answer (``body`` None: the request failed with ``error``)."""
    result = Result(q.id, q.part, q.kind, q.question, q.expect, ok=False, latency_ms=latency_ms)
    if body is None:
        result.problems.append(f"request failed: {error}")
        return result
    result.answer = str(body.get("answer", ""))
    result.citations = list(body.get("citations") or [])
    if q.expect == "decline":
        result.ok = not result.citations
        if not result.ok:
            result.problems.append("answered instead of declining")
        return result
    wanted = [sources[name] for name in q.sources]
    cited = any(s.matches(c.get("title"), c.get("url")) for c in result.citations for s in wanted)
    missing = facts_missing(result.answer, q.facts)
    if not result.citations:
        result.problems.append("declined")
    elif not cited:
        result.problems.append(f"none of {list(q.sources)} cited")
    if missing:
        result.problems.append(f"facts missing: {missing}")
    result.ok = cited and not missing
    return result


def percentile(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def summarise(results: Sequence[Result]) -> dict[str, Any]:
    """The figures of one part: counts, recall@5, MRR, answer and decline accuracy, latency."""
    answers = [r for r in results if r.expect == "answer"]
    declines = [r for r in results if r.expect == "decline"]
    ranked = [r for r in answers if r.ranked]
    latencies = [r.latency_ms for r in results if r.latency_ms is not None]

    def share(rows: Sequence[Result], test: Callable[[Result], bool]) -> float | None:
        return round(sum(1 for r in rows if test(r)) / len(rows), 4) if rows else None

    return {
        "questions": len(results),
        "answerable": len(answers),
        "declines": len(declines),
        "recall_at_5": share(ranked, lambda r: r.rank is not None and r.rank <= RECALL_AT),
        "mrr": round(sum(1 / r.rank for r in ranked if r.rank) / len(ranked), 4) if ranked else None,
        "answer_accuracy": share(answers, lambda r: r.ok),
        "decline_accuracy": share(declines, lambda r: r.ok),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "by_kind": {
            kind: share([r for r in results if r.kind == kind], lambda r: r.ok)
            for kind in sorted({r.kind for r in results})
        },
    }


# --- the stack ------------------------------------------------------------------------------------


class Stack:
    """Clients of a running stack: core's chatbot as a visitor, the document processor as core."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        core_key = devstack.stack_signing_key(env, "core")

        def as_core(request: httpx.Request) -> httpx.Request:
            token = issue_token(issuer="core", audience="documents", key=core_key)
            request.headers["Authorization"] = f"Bearer {token}"
            return request

        self.core = httpx.Client(base_url=env["CORE_URL"], timeout=60)
        self.documents = httpx.Client(base_url=env["DOCUMENTS_URL"], auth=as_core, timeout=60)

    def close(self) -> None:
        self.core.close()
        self.documents.close()

    def chat(
        self, message: str, conversation_id: str | None = None
    ) -> tuple[dict[str, Any] | None, float, str]:
        body: dict[str, Any] = {"message": message}
        if conversation_id:
            body["conversation_id"] = conversation_id
        started = time.perf_counter()
        response = self.core.post("/api/chatbot/", json=body)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            return None, elapsed, f"{response.status_code} {response.text[:300]}"
        return response.json(), elapsed, ""

    def search(self, query: str) -> list[dict[str, Any]]:
        """``POST /search`` with the body core sends (``query``, ``k``, ``filters``), as core."""
        response = self.documents.post("/search", json={"query": query[:2000], "k": SEARCH_K, "filters": {}})
        response.raise_for_status()
        return list(response.json()["results"])

    def upload_pdf(self) -> None:
        spec, data = pdf_bytes()
        response = self.documents.post(
            "/process/pdf",
            files={"file": (f"{spec['arxiv_id']}.pdf", data, "application/pdf")},
            data={"document_key": spec["document_key"], "title": spec["title"]},
        )
        if response.status_code not in (200, 202):
            raise RuntimeError(f"/process/pdf answered {response.status_code}: {response.text[:500]}")

    def indexing_done(self) -> bool:
        """Core's outbox has nothing pending and the document processor no queued or running job."""
        metrics = self.core.get("/internal/metrics")
        match = re.search(r"^outbox_backlog (\S+)$", metrics.text, re.MULTILINE)
        if metrics.status_code != 200 or match is None or float(match[1]) > 0:
            return False
        for state in ("queued", "running"):
            jobs = self.documents.get("/jobs", params={"state": state, "page_size": 1})
            if jobs.status_code != 200 or jobs.json()["count"] > 0:
                return False
        return True


def log(message: str) -> None:
    print(f"[eval] {message}", file=sys.stderr, flush=True)


@contextmanager
def eval_stack(trace: Path | None = None) -> Iterator[Stack]:
    """The stack with the set's content, papers and PDF indexed (stopped and dropped on exit);
    ``trace``: core appends each question's retrieved passages to this file (``chatbot.trace``)."""
    with tempfile.TemporaryDirectory(prefix="portfolio-eval-") as tmp:
        log(f"starting {', '.join(PROCESSES)}")
        begun = time.monotonic()
        with services_running(
            Path(tmp),
            PROCESSES,
            ENVIRONMENT="development",
            LLM_PROVIDER="extractive",
            EMBEDDING_PROVIDER="local",
            CHATBOT_RATE_LIMIT="1000000",
            OUTBOX_POLL_INTERVAL="0.5",
            OUTBOX_BACKOFF_BASE="0.5",
            CHATBOT_TRACE_PATH=str(trace.resolve()) if trace else "",
        ) as env:
            stack = Stack(env)
            try:
                log(
                    f"services ready in {time.monotonic() - begun:.0f} s; loading the content, papers and PDF"
                )
                devstack.seed(env)
                load_papers(env, EVAL_DIR / "papers.json")
                stack.upload_pdf()
                started = time.monotonic()
                # Twice in a row: a delivered message's job may be created between two looks.
                try:
                    wait_until(lambda: stack.indexing_done() and stack.indexing_done(), INDEXING_TIMEOUT_S)
                except AssertionError:
                    log("indexing did not finish; the stack's last log lines:")
                    lines = (Path(tmp) / "stack.log").read_text().splitlines()
                    print(*lines[-60:], sep="\n", file=sys.stderr)
                    raise
                devstack.warm_up_search(env)
                log(f"indexed in {time.monotonic() - started:.0f} s")
                yield stack
            finally:
                stack.close()


# --- running --------------------------------------------------------------------------------------


def ask(stack: Stack, q: Question, sources: dict[str, Source]) -> Result:
    """Ask ``q`` (its ``previous`` questions first, in one conversation), rank it, score it."""
    conversation_id = None
    for earlier in q.previous:
        body, _, error = stack.chat(earlier, conversation_id)
        if body is None:
            return score(q, sources, None, None, f"previous question failed: {error}")
        conversation_id = body["conversation_id"]
    body, latency, error = stack.chat(q.question, conversation_id)
    result = score(q, sources, body, latency if body is not None else None, error)
    if q.expect == "answer" and not q.previous:
        ranked = ranked_documents(stack.search(q.question))
        result.rank = first_relevant_rank(ranked, [sources[name] for name in q.sources])
        result.ranked = True
        if result.rank is None or result.rank > RECALL_AT:
            result.problems.append(f"retrieval: first source at rank {result.rank} of {len(ranked)}")
    return result


def run(
    stack: Stack, questions: Sequence[Question], sources: dict[str, Source], trace: Path | None = None
) -> list[Result]:
    """Ask and score every question; with ``trace``, the line core traced for each scored question
    (the last one it appended while the question and its ``previous`` ones were asked) is kept as
    ``trace.questions.jsonl`` under the question's id, for the decision's fit command."""
    results = []
    kept = trace.with_suffix(".questions.jsonl") if trace else None
    if kept:
        kept.write_text("")
    for n, q in enumerate(questions, start=1):
        before = len(trace.read_text(encoding="utf-8").splitlines()) if trace and trace.exists() else 0
        results.append(ask(stack, q, sources))
        if trace and kept:
            lines = trace.read_text(encoding="utf-8").splitlines()[before:]
            if lines:
                with kept.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"id": q.id, **json.loads(lines[-1])}, ensure_ascii=False) + "\n")
        if n % 20 == 0:
            log(f"{n}/{len(questions)} asked")
    return results


def report(results: Sequence[Result], parts: Sequence[str], verbose: bool) -> dict[str, Any]:
    """Print each part's figures (a part with no questions is named and skipped); return them."""
    figures: dict[str, Any] = {}
    for part in parts:
        rows = [r for r in results if r.part == part]
        if not rows:
            print(f"\n{part}: no {part} questions")
            continue
        figures[part] = f = summarise(rows)
        counts = f"{f['answerable']} to answer, {f['declines']} to decline"
        print(f"\n{part}: {f['questions']} questions ({counts})")
        print(f"  retrieval   recall@{RECALL_AT} {fmt(f['recall_at_5'])}   MRR {fmt(f['mrr'], pct=False)}")
        answers, declines = fmt(f["answer_accuracy"]), fmt(f["decline_accuracy"])
        print(f"  answers     accuracy {answers}   declines accuracy {declines}")
        print(f"  latency     p50 {f['latency_p50_ms'] or 0:.0f} ms   p95 {f['latency_p95_ms'] or 0:.0f} ms")
        print("  by kind     " + "  ".join(f"{k} {fmt(v)}" for k, v in f["by_kind"].items()))
    if verbose:
        print("\nfailures:")
        for r in results:
            if r.problems:
                print(f"- {r.id} [{r.part}] {r.question!r}: {'; '.join(r.problems)}")
                if r.expect == "answer" or r.citations:
                    print(f"    answer: {r.answer[:300]!r}")
                    print(f"    cited: {[c.get('title') for c in r.citations]}")
    return figures


def fmt(value: float | None, pct: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.1f} %" if pct else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument("--json", type=Path, help="write the figures and every result to this file")
    parser.add_argument("--verbose", action="store_true", help="list every failed question and why")
    parser.add_argument(
        "--trace", type=Path, help="core appends each question's passages here (the decision's fit data)"
    )
    args = parser.parse_args(argv)
    parts = PARTS if args.part == "all" else (args.part,)
    sources = load_sources()
    questions = [q for q in load_questions() if q.part in parts]
    results: list[Result] = []
    # No stack for no questions: a branch whose held-out part was retired before the next one is merged.
    if questions:
        if args.trace:
            args.trace.write_text("")
        with eval_stack(args.trace) as stack:
            started = time.monotonic()
            results = run(stack, questions, sources, args.trace)
            log(f"{len(questions)} questions in {time.monotonic() - started:.0f} s")
    figures = report(results, parts, args.verbose)
    if args.json:
        payload = {"figures": figures, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        log(f"written {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
