"""``manage.py reclassify_papers``: stored papers get the topics of the scraper's current classifier.

Core and the scraper run as ``make run`` starts them (``scripts.stack.services_running``: real
processes, real Postgres, the stack's own service keys). Papers reach core through its real bulk
endpoint carrying the topics an older classifier gave them; the command, run as an operator would,
sends them to the scraper's ``POST /classify`` in batches and stores the answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from portfolio_shared.auth import issue_token
from scripts import devstack
from scripts.stack import manage, services_running

BULK = "/api/internal/papers/bulk/"

#: (paper, the topics an old classifier stored); the new one must change both.
STORED: list[dict[str, Any]] = [
    {
        "arxiv_id": "2611.20001",
        "title": "Regression Test Selection for Monorepos Using Build Dependency Graphs",
        "abstract": "We select tests by traversing the build dependency graph from changed files in "
        "continuous integration pipelines, cutting test time by 87%.",
        "primary_category": "cs.SE",
        "categories": ["cs.SE"],
        "topics": ["MLOps"],
    },
    {
        "arxiv_id": "2611.20002",
        "title": "Block-Sparse Attention for Million-Token Language Models",
        "abstract": "Sparse attention cuts the quadratic cost of long-context language models; we also "
        "discuss multimodal inputs, agents, serving and a theoretical analysis.",
        "primary_category": "cs.CL",
        "categories": ["cs.CL", "cs.LG"],
        "topics": ["Efficiency", "Theory", "Multimodal", "LLM", "MLOps", "Agents"],
    },
    {
        "arxiv_id": "2611.20003",
        "title": "Dense Passage Retrieval for Open-Domain Question Answering",
        "abstract": "A dual-encoder retriever trained with hard negatives improves retrieval-augmented "
        "question answering.",
        "primary_category": "cs.CL",
        "categories": ["cs.CL", "cs.IR"],
        "topics": ["RAG", "NLP"],
    },
]


def reclassify(env: dict[str, str], *args: str) -> str:
    """Run the command as the Procfile runs core: its own key, its own database."""
    return manage(env, "reclassify_papers", *args)


def stored_topics(core: str) -> dict[str, list[str]]:
    topics = {}
    for paper in STORED:
        response = httpx.get(f"{core}/api/papers/{paper['arxiv_id']}/", timeout=10)
        assert response.status_code == 200, response.text
        topics[paper["arxiv_id"]] = response.json()["topics"]
    return topics


def test_reclassify_papers_stores_the_scrapers_current_topics(tmp_path: Path) -> None:
    with services_running(tmp_path, ["core", "scraper"], LOG_LEVEL="WARNING") as env:
        core = env["CORE_URL"]
        token = issue_token(issuer="scraper", audience="core", key=devstack.stack_signing_key(env, "scraper"))
        response = httpx.post(
            f"{core}{BULK}", json={"papers": STORED}, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert response.status_code == 200, response.text
        before = stored_topics(core)

        dry = reclassify(env, "--dry-run", "--batch-size", "2")
        assert "topics would change on" in dry
        assert stored_topics(core) == before  # a dry run writes nothing

        out = reclassify(env, "--batch-size", "2")  # two requests: 2 papers, then 1
        assert "2/3 papers classified" in out and "3/3 papers classified" in out
        after = stored_topics(core)
        testing, attention, retrieval = (after[p["arxiv_id"]] for p in STORED)
        assert testing == []  # no AI/ML content: no topic, not MLOps
        assert "Efficiency" in attention and len(attention) <= 3
        assert not {"MLOps", "Agents", "Multimodal"} & set(attention)
        assert retrieval[0] == "RAG"
        changed = sum(after[i] != before[i] for i in after)
        assert f"topics changed on {changed}." in out and changed >= 2

        # Nothing left to change: a second run writes nothing.
        assert "topics changed on 0." in reclassify(env)
        assert stored_topics(core) == after
