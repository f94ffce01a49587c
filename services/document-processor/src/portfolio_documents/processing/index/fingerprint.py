"""Content fingerprints for dedup, and the stable ids derived from document keys.

Two documents are the same content when their text is equal after NFKC normalisation (ligatures,
full-width forms and compatibility characters folded) and whitespace collapsing (line breaks and
column layout differ between a PDF and its source). The fingerprint is that text's SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_WHITESPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """NFKC, every run of whitespace one space, no leading or trailing space."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def content_sha256(text: str | Iterable[str]) -> str:
    """SHA-256 (hex) of the normalised text; pages given separately are joined by whitespace."""
    joined = text if isinstance(text, str) else "\n".join(text)
    return hashlib.sha256(normalise_text(joined).encode("utf-8")).hexdigest()


def chunk_id(document_key: str, chunk_index: int, model_id: str) -> str:
    """The id of a chunk in Chroma and Postgres: the same document, position and model, the same id.

    The parts are joined with a separator no key contains (U+001F), so ``("a1", 2)`` and
    ``("a", 12)`` cannot collide.
    """
    raw = "\x1f".join((document_key, str(chunk_index), model_id))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
