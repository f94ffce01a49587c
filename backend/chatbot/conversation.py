"""Conversation memory: the last few turns per conversation id, kept in Redis for about an hour.

Only what resolving a follow-up needs is kept: each turn's question and the key terms its
retrieval used. A Redis failure forgets the conversation (the question is then answered alone).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from chatbot.text import key_terms, refers_back

logger = logging.getLogger(__name__)
MAX_CARRIED_TERMS = 8


def _key(conversation_id: str) -> str:
    return f"chatbot:conversation:{conversation_id}"


def new_id() -> str:
    return uuid.uuid4().hex


def turns(conversation_id: str) -> list[dict[str, Any]]:
    """The stored turns of ``conversation_id``, oldest first (empty when unknown or expired)."""
    try:
        stored = cache.get(_key(conversation_id))
    except RedisError:
        logger.warning("conversation memory unavailable", exc_info=True)
        return []
    return list(stored or [])


def remember(conversation_id: str, *, question: str, terms: list[str], answer: str) -> None:
    """Append a turn, keeping the last ``CHATBOT_CONVERSATION_TURNS``; refresh the expiry."""
    history = turns(conversation_id)
    history.append({"question": question, "terms": terms, "answer": answer})
    try:
        cache.set(
            _key(conversation_id),
            history[-settings.CHATBOT_CONVERSATION_TURNS :],
            settings.CHATBOT_CONVERSATION_TTL_SECONDS,
        )
    except RedisError:
        logger.warning("conversation memory unavailable; turn not kept", exc_info=True)


def resolve(message: str, history: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The retrieval query for ``message`` and the key terms it stands for.

    A follow-up ("and what did it use?") carries the previous turn's key terms, so the subject
    named two questions ago still reaches the retriever.
    """
    own = key_terms(message)
    if not history or not refers_back(message):
        return message, own
    carried = [term for term in history[-1].get("terms", []) if term not in own][:MAX_CARRIED_TERMS]
    if not carried:
        return message, own
    return f"{message} {' '.join(carried)}", own + carried
