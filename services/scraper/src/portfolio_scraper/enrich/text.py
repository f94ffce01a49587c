"""Text normalisation and the word tokens that topics, tags and scoring match on.

Every stage matches on the same tokens, so a phrase in the taxonomy, an interest term and a title agree
on what a word is: NFKC-folded, lowercased, split at anything that is not a letter or digit (so
``fine-tuning``, ``fine tuning`` and ``fine_tuning`` are the same two words), and reduced to a crude
singular (``agents`` → ``agent``, ``policies`` → ``policy``). The singular is applied to both sides of every
match, so it only has to be consistent, not linguistically right.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")

# Words whose trailing "s" is not a plural marker; checked after lowercasing.
_KEEP_S = re.compile(r".*(?:ss|us|is|ous|ics|sis|xis|ias)$")


def normalise_text(value: str | None) -> str | None:
    """NFKC-fold ``value`` and collapse every run of whitespace (line breaks included) to one space.

    Returns None for None and for text that is empty once stripped, so "" never masks a real value.
    """
    if value is None:
        return None
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    return text or None


@lru_cache(maxsize=65_536)  # a batch's vocabulary is a few ten thousand words; each is reduced once
def singular(word: str) -> str:
    """A crude singular of a lowercase word: ``models`` → ``model``, ``policies`` → ``policy``."""
    if len(word) <= 3 or not word.endswith("s") or _KEEP_S.fullmatch(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=4_096)  # topics and scoring tokenise the same title and abstract
def tokens(text: str) -> tuple[str, ...]:
    """The lowercase, singular word tokens of ``text`` (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return tuple(map(singular, _WORD.findall(folded)))


def words(text: str) -> list[str]:
    """The lowercase word tokens of ``text`` without the singular (for keyphrases shown to people)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())
