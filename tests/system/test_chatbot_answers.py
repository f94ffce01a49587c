"""The chatbot answers visitors' questions as they type them, on the real stack and the sample content.

Processes from the Procfile (chroma, core, documents API and worker, both outbox dispatchers); the
sample portfolio (``manage.py seed_content``) reaches the index through core's outbox as it does
after ``make run``. The questions are short, use pronouns and the odd typo; each answer must cite
the right source and hold the asked-for fact, and near misses must be declined.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.stack import services_running, wait_until

ROOT = Path(__file__).resolve().parents[2]
DECLINED = "could not find anything"
_visitors = itertools.count(10)


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    processes = ["chroma", "core", "documents", "worker", "documents-outbox", "core-outbox"]
    with services_running(
        tmp_path_factory.mktemp("answers"),
        processes,
        OUTBOX_POLL_INTERVAL="0.5",
        OUTBOX_BACKOFF_BASE="0.5",
        TRUSTED_PROXY_COUNT="1",
        CHATBOT_RATE_LIMIT="1000",
        # The projects' READMEs on GitHub are unreachable offline: their jobs fail, nothing else.
        GITHUB_API_URL="http://127.0.0.1:9",
    ) as env:
        subprocess.run(
            [sys.executable, "manage.py", "seed_content"],
            cwd=ROOT / "backend",
            env={**env, "DATABASE_URL": env["CORE_DATABASE_URL"]},
            check=True,
            capture_output=True,
        )
        with httpx.Client(base_url=env["CORE_URL"], timeout=30) as client:

            def indexed() -> bool:
                # The last documents the outbox sends: the projects (after profile, stack, journey).
                body = client.post(
                    "/api/chatbot/",
                    json={"message": "What is feature store lite?"},
                    headers={"X-Forwarded-For": "203.0.113.250, 198.51.100.1"},
                ).json()
                return any(
                    c["url"].endswith("/projects/feature-store-lite") for c in body.get("citations", [])
                )

            wait_until(indexed, timeout=240, interval=2)
        yield env["CORE_URL"]


@pytest.fixture
def ask(core: str) -> Iterator[Callable[..., dict[str, Any]]]:
    visitor = f"198.51.100.{next(_visitors)}"
    with httpx.Client(base_url=core, timeout=30) as client:

        def post(message: str, **fields: Any) -> dict[str, Any]:
            response = client.post(
                "/api/chatbot/",
                json={"message": message, **fields},
                headers={"X-Forwarded-For": f"203.0.113.250, {visitor}"},
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert body["mode"] == "extractive"
            return body

        yield post


def cited(body: dict[str, Any]) -> list[str]:
    return [c["url"].split("/", 3)[-1] for c in body["citations"]]


@pytest.mark.parametrize(
    ("question", "source", "fact"),
    [
        ("Tell me about evalkit", "projects/evalkit", "comparable, versioned scores"),
        ("tell me abt evalkt", "projects/evalkit", "comparable, versioned scores"),
        ("Where did Vasu study?", "journey#journey-", "National Institute of Technology"),
        ("where did he study", "journey#journey-", "M.Tech"),
        ("What is the Grounded RAG assistant?", "projects/rag-assistant", "private corpus"),
        ("what was the rag assistant built with", "projects/rag-assistant", "FastAPI"),
        ("does he know kubernetes", "about#tech-stack", "Kubernetes"),
        ("where is he based?", "about", "Bengaluru"),
        ("who is vasu", "about", "AI/ML Engineer"),
        ("when did he join lumen analytics", "journey#journey-", "April 2022"),
        ("how fast is the feature store", "projects/feature-store-lite", "15 ms"),
        ("how many events did postgres handle", "projects/feature-store-lite", "50M events"),
    ],
)
def test_a_plainly_worded_question_cites_its_source_and_holds_the_fact(
    ask: Callable[..., dict[str, Any]], question: str, source: str, fact: str
) -> None:
    body = ask(question)

    assert body["citations"], body
    assert cited(body)[0].startswith(source), body
    assert fact in body["answer"], body
    # Every sentence carries its marker: the answer reads "sentence [n] sentence [m]".
    assert body["answer"].rstrip().endswith("]"), body
    # Never a bare heading.
    assert not body["answer"].lstrip().startswith("#"), body


def test_the_project_question_from_the_issue_answers_what_it_is_and_what_it_was_built_with(
    ask: Callable[..., dict[str, Any]],
) -> None:
    body = ask("What is the project Grounded RAG assistant about, and what was it built with?")

    assert cited(body) == ["projects/rag-assistant"], body
    assert "private corpus" in body["answer"] and "PyTorch" in body["answer"], body


@pytest.mark.parametrize(
    "question", ["What technologies does he use?", "what's his stack", "what tools does he use"]
)
def test_a_technologies_question_lists_the_tech_stack_and_cites_it(
    ask: Callable[..., dict[str, Any]], question: str
) -> None:
    body = ask(question)

    assert cited(body) == ["about#tech-stack"], body
    for name in ("Python", "PyTorch", "Docker", "FastAPI", "PostgreSQL"):
        assert name in body["answer"], body
    assert "Technologies:" not in body["answer"], "a project's technology line is not the stack"


@pytest.mark.parametrize(
    "question",
    [
        "Did he work at Google?",
        "What licence is evalkit under?",
        "Where did he do his PhD?",
        "does he know rust",
        "what's his email",
        "what is the licence of the grounded rag assistant",
        "What is the capital of France?",
    ],
)
def test_a_near_miss_is_declined_without_citations(ask: Callable[..., dict[str, Any]], question: str) -> None:
    body = ask(question)

    assert body["citations"] == [], body
    assert DECLINED in body["answer"], body


def test_a_follow_up_with_a_pronoun_stays_on_its_subject(ask: Callable[..., dict[str, Any]]) -> None:
    first = ask("tell me about the feature store")
    assert cited(first)[0] == "projects/feature-store-lite", first

    follow_up = ask("what does it use?", conversation_id=first["conversation_id"])

    assert cited(follow_up)[0] == "projects/feature-store-lite", follow_up
    assert "Kubernetes" in follow_up["answer"], follow_up
