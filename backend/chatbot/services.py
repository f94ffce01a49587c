"""Answering one chatbot question: rate limit, follow-up resolution, retrieval, provider, memory."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chatbot import conversation, ratelimit, retrieval
from chatbot.providers import get_provider


def ask(
    *, message: str, visitor: str, conversation_id: str | None = None, paper_id: str | None = None
) -> dict[str, Any]:
    """The answer to ``message`` as the API returns it (``answer``, ``citations``, ``mode``,
    ``conversation_id``). Raises RateLimited, NotFound (unknown paper), ServiceUnavailable."""
    ratelimit.check(visitor)
    conversation_id = conversation_id or conversation.new_id()
    history = conversation.turns(conversation_id)
    query, terms = conversation.resolve(message, history)
    passages = retrieval.retrieve(query, paper_id=paper_id)
    result = get_provider().answer(query, passages)
    conversation.remember(conversation_id, question=message, terms=terms, answer=result.answer)
    return {
        "answer": result.answer,
        "citations": [asdict(citation) for citation in result.citations],
        "mode": result.mode,
        "conversation_id": conversation_id,
    }
