"""What every embedding provider offers, and the errors they raise.

Needs the ``embeddings`` extra (numpy) only for :func:`l2_normalise`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from portfolio_shared.errors import PortfolioError

ProviderName = Literal["local", "vertex"]

#: The model file is missing, or its sha256 is not the pinned one.
EMBEDDING_MODEL_MISSING = "embedding_model_missing"
EMBEDDING_MODEL_CHECKSUM = "embedding_model_checksum"


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Turns text into L2-normalised vectors; one Chroma collection per ``model_id``.

    ``max_tokens`` is what the model reads per input (special tokens included); ``count_tokens``
    counts the text's own tokens, the unit chunk sizes are measured in.
    """

    model_id: str
    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int:
        """The number of the model's tokens in ``text`` (no special tokens)."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit-length vector per text, in input order; batched internally."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query (some models embed queries differently from documents)."""
        ...


class EmbeddingModelError(PortfolioError):
    """The model cannot be used: its file is missing or is not the one pinned (``error_code`` says which)."""

    code = EMBEDDING_MODEL_CHECKSUM
    default_message = "The embedding model failed its integrity check."


def l2_normalise(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each row scaled to unit length; an all-zero row stays zero instead of becoming NaN."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    scaled: npt.NDArray[np.float32] = (rows / np.maximum(norms, 1e-12)).astype(np.float32)
    return scaled
