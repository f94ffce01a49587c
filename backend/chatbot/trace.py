"""Development only: each question's retrieved passages, appended to a JSON-lines file.

``make eval ARGS="--trace trace.jsonl"`` sets ``CHATBOT_TRACE_PATH`` for core; the fit command
(``python -m scripts.fit_chatbot_decision``) replays every question from it offline, so the decision
(:mod:`chatbot.decision`) is fitted on exactly what the chatbot saw, without the stack.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatbot.retrieval import Passage


def record(
    path: str, query: str, message: str | None, owner: str, passages: list[Passage], more: list[Passage]
) -> None:
    """Append one question: the query searched, what the visitor typed, the owner's name, the merged
    candidates of the first searches and those the search within the subject's document added."""
    line = {
        "query": query,
        "message": message,
        "owner": owner,
        "passages": [asdict(p) for p in passages],
        "more": [asdict(p) for p in more],
    }
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")


def passages(rows: list[dict[str, Any]]) -> list[Passage]:
    """Passages as :func:`record` wrote them."""
    from chatbot.retrieval import Passage

    names = {f.name for f in fields(Passage)}
    return [
        Passage(**{k: tuple(v) if k == "heading_path" else v for k, v in row.items() if k in names})
        for row in rows
    ]
