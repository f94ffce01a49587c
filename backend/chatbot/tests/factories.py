"""A retrieved passage for the chatbot's unit tests, with the fields a test does not care about set."""

from __future__ import annotations

from chatbot.retrieval import Passage


def passage(
    text: str,
    title: str,
    kind: str | None,
    key: str,
    source_type: str = "content",
    *,
    vector: float = 0.5,
    keyword_rank: int | None = None,
) -> Passage:
    return Passage(
        text=text,
        title=title,
        url=None,
        source_type=source_type,
        page=None,
        score=0.0,
        kind=kind,
        document_key=key,
        vector=vector,
        keyword_rank=keyword_rank,
    )
