"""Lexical helpers of the chatbot: sentence splitting, tokens, a light stemmer, key terms.

Embeddings are the document processor's business; core only needs to compare a question with a
few retrieved sentences, which word overlap after lowercasing and suffix stripping does well
enough and offline.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n{2,}|\n(?=\s*[-*•]\s)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#.-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        """a about above after again against all am an and any are as at be because been before being
        below between both but by can could did do does doing down during each few for from further
        had has have having he her here hers herself him himself his how i if in into is it its itself
        just me more most my myself no nor not now of off on once only or other our ours ourselves out
        over own same she should so some such than that the their theirs them themselves then there
        these they this those through to too under until up very was we were what when where which
        while who whom why will with would you your yours yourself yourselves tell please also used
        use using uses explain describe know much many""",
    )
)
#: Words that point back at an earlier subject: a question holding one is a follow-up.
PRONOUNS = frozenset(re.findall(r"\S+", "it its that this they them their those these he she his her there"))
_SUFFIXES = (
    "ational",
    "ization",
    "fulness",
    "ousness",
    "iveness",
    "ation",
    "ment",
    "ness",
    "ing",
    "ied",
    "er",
    "ed",
    "ly",
    "al",
)


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences (also at blank lines and list items), whitespace collapsed."""
    pieces = (" ".join(piece.split()) for piece in _SENTENCE_END.split(text))
    return [piece for piece in pieces if piece]


def words(text: str) -> list[str]:
    """Lowercased words of ``text`` (keeps terms like ``c++``, ``gpt-4`` and ``node.js`` whole)."""
    return [match.group(0).lower() for match in _WORD.finditer(text)]


def stem(word: str) -> str:
    """A crude stemmer: plurals first (``compresses``/``compress``, ``queries``/``query``, but not
    ``analysis``), then one derivational suffix, so ``retrieval``/``retrieved``/``retrieving`` meet."""
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def key_terms(text: str) -> list[str]:
    """The content words of ``text`` in order, stopwords and duplicates removed (unstemmed)."""
    seen: set[str] = set()
    terms = []
    for word in words(text):
        if word in STOPWORDS or len(word) < 2 or word in seen:
            continue
        seen.add(word)
        terms.append(word)
    return terms


def stems(text: str) -> set[str]:
    """The stems of ``text``'s content words."""
    return {stem(word) for word in key_terms(text)}


def refers_back(text: str) -> bool:
    """Whether ``text`` reads as a follow-up: a pronoun, or at most two content words."""
    return bool(PRONOUNS.intersection(words(text))) or len(key_terms(text)) <= 2
