"""Answering one chatbot question: rate limit, follow-up resolution, retrieval, provider, memory.

``ask`` answers at once (``POST /api/chatbot/``); ``stream`` yields the same answer as events
(``POST /api/chatbot/stream/``): ``sentence`` or ``token`` pieces, then ``done`` with what ``ask``
returns, or ``error`` with the envelope when something fails once the stream is open.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Generator
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connections

from chatbot import conversation, ratelimit, retrieval, suggestions
from chatbot.providers import Answer, get_provider
from chatbot.providers.base import cite, declined
from chatbot.providers.vertex import VertexProvider
from chatbot.retrieval import Passage
from portfolio_shared.errors import PortfolioError, envelope

logger = logging.getLogger(__name__)

#: One sentence of an extractive answer: everything up to and including a group of ``[n]`` markers
#: (the provider cites each sentence it picks), or the rest of the text.
_SENTENCE = re.compile(r"\S.*?(?:\[\d{1,2}\])+|\S.*\S|\S", re.S)


@dataclass(frozen=True)
class Event:
    """One server-sent event: its name and its JSON data."""

    name: str  # sentence | token | done | error
    data: dict[str, Any]


@dataclass(frozen=True)
class _Question:
    conversation_id: str
    message: str
    query: str
    terms: list[str]
    passages: list[Passage]


def _prepare(message: str, conversation_id: str | None, paper_id: str | None) -> _Question:
    conversation_id = conversation_id or conversation.new_id()
    history = conversation.turns(conversation_id)
    query, terms = conversation.resolve(message, history)
    passages = retrieval.retrieve(query, paper_id=paper_id, message=message)
    return _Question(conversation_id, message, query, terms, passages)


def _finish(question: _Question, result: Answer) -> dict[str, Any]:
    conversation.remember(
        question.conversation_id, question=question.message, terms=question.terms, answer=result.answer
    )
    citations = [asdict(citation) for citation in result.citations]
    return {
        "answer": result.answer,
        "citations": citations,
        "mode": result.mode,
        "conversation_id": question.conversation_id,
        "follow_ups": suggestions.follow_ups(question=question.message, citations=citations),
    }


def ask(
    *, message: str, visitor: str, conversation_id: str | None = None, paper_id: str | None = None
) -> dict[str, Any]:
    """The answer to ``message`` as the API returns it (``answer``, ``citations``, ``mode``,
    ``conversation_id``, ``follow_ups``). Raises RateLimited, NotFound (unknown paper), ServiceUnavailable."""
    ratelimit.check(visitor)
    question = _prepare(message, conversation_id, paper_id)
    return _finish(question, get_provider().answer(question.query, question.passages))


def sentences(text: str) -> list[str]:
    """An extractive answer split after each group of citation markers (a declined answer is one)."""
    return [match.group(0).strip() for match in _SENTENCE.finditer(text)]


def stream(
    *, message: str, conversation_id: str | None = None, paper_id: str | None = None
) -> Generator[Event]:
    """The answer to ``message`` as events; the caller has counted the question (``ratelimit.check``).

    Never raises: a failure (unknown paper, the processor or the model down) ends the stream with
    an ``error`` event carrying the envelope and its HTTP status.
    """
    try:
        question = _prepare(message, conversation_id, paper_id)
        _release_connections()
        provider = get_provider()
        logger.info("chatbot stream: %d passages retrieved", len(question.passages))
        if isinstance(provider, VertexProvider) and question.passages:
            text = ""
            for token in provider.stream(question.query, question.passages):
                text += token
                yield Event("token", {"text": token})
            result = cite(text, question.passages, provider.mode) if text.strip() else declined(provider.mode)
        else:
            result = provider.answer(question.query, question.passages)
            for sentence in sentences(result.answer):
                yield Event("sentence", {"text": sentence})
        yield Event("done", _finish(question, result))
    except PortfolioError as exc:
        yield Event("error", {**exc.to_envelope(), "status": exc.status})
    except Exception:
        logger.exception("chatbot stream failed")
        yield Event("error", {**envelope("internal_error", "Internal server error."), "status": 500})


def _release_connections() -> None:
    """Close the database connections ``conn_max_age`` says to close (all of them at 0), as Django
    does at a request's end: a stream waiting on the model holds no Postgres connection meanwhile
    (``_finish`` reconnects). Not inside a transaction (a test's), which closing would break."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def check_rate(visitor: str) -> None:
    """Count one question for ``visitor`` (raises RateLimited: 429 before any stream opens)."""
    ratelimit.check(visitor)
