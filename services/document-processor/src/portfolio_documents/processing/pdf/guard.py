"""Resource guards around PDF extraction: a decompression-bomb check and the child's memory limit.

PDFium inflates a content stream whole, without a size limit, and when an allocation fails it
aborts the process (measured: a 4 MB file with a 4 GiB FlateDecode stream takes 5 GB of memory,
or SIGABRT under ``RLIMIT_AS``). So before any extractor sees a document, :func:`check_inflation`
inflates every zlib stream in the raw bytes, in bounded steps whose output is thrown away, and
refuses the document when one stream or all of them together would inflate past the limits.
Recognising streams by their zlib header (not by their dictionaries) leaves no way around it by
relabelling a stream; nested ``[/FlateDecode /FlateDecode]`` layers are followed. Encrypted
streams and LZW cannot be read that way: for such documents pypdf decodes every stream with its
own output limits instead.

:func:`apply_child_limits` is the backstop: an address-space limit in each worker child, so a
document that still gets past costs that one child, never the machine.
"""

from __future__ import annotations

import io
import re
import resource
import zlib

import pypdf
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.generic import IndirectObject, StreamObject

MiB = 1024**2
#: Address space a worker child takes before any PDF: onnxruntime and numpy (the embedder runs in the
#: same child) reserve far more virtual memory than they touch. Measured 2026-12-07: 1.46 GiB after
#: embedding a batch of 32 with the PDF libraries loaded (0.85 GiB of it resident).
CHILD_BASELINE_BYTES = 1536 * MiB
#: PDFium holds a stream's compressed bytes and its whole inflated output while it reads a page
#: (measured: a 250 MiB stream adds 490 MiB of address space), so a stream costs twice its size.
STREAM_MEMORY_FACTOR = 2
DEFAULT_MAX_STREAM_BYTES = 256 * MiB
#: The work budget over all streams: PDFium reads and frees page by page, so this bounds time, not
#: memory (that is the per-stream cap's job).
DEFAULT_MAX_INFLATED_BYTES = 2 * 1024**3
#: Default address space of a worker child: the baseline, the largest stream PDFium may inflate,
#: and 512 MiB for pdfplumber's and the chunker's working set.
DEFAULT_ADDRESS_SPACE_BYTES = 2560 * MiB

_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_LZW = re.compile(rb"/LZW(?:Decode)?[\s/\]>]")
_STEP_IN = 64 * 1024
_STEP_OUT = 4 * 1024 * 1024
_MAX_LAYERS = 3


class InflationLimitExceeded(Exception):
    """A stream, or all of them together, inflates past the limit."""

    def __init__(self, message: str, *, inflated_bytes: int, limit: int) -> None:
        super().__init__(message)
        self.inflated_bytes = inflated_bytes
        self.limit = limit


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and (data[0] << 8 | data[1]) % 31 == 0


class _Layers:
    """Inflates a stream and, when its output is itself zlib data, the nested layers too.

    Every layer's output is counted and the largest decides, so a fake nested header in front of a
    plain bomb hides nothing: a layer that turns out not to be zlib data is dropped, the outer
    one's count goes on.
    """

    def __init__(self) -> None:
        self.layers = [zlib.decompressobj()]
        self.sizes = [0]

    @property
    def size(self) -> int:
        return max(self.sizes)

    def feed(self, data: bytes, limit: int, depth: int = 0) -> bool:
        """False once counting is over: the limit passed, or the outermost stream ended or broke."""
        layer = self.layers[depth]
        pending = data
        while pending and not layer.eof:
            try:
                out = layer.decompress(pending, _STEP_OUT)  # bounded output per call
            except zlib.error:
                if depth == 0:
                    return False
                del self.layers[depth:]
                return True
            pending = layer.unconsumed_tail
            if not out:
                continue
            self.sizes[depth] += len(out)
            if self.sizes[depth] > limit:
                return False
            first = self.sizes[depth] == len(out)
            if first and len(self.layers) == depth + 1 and depth + 1 < _MAX_LAYERS and _zlib_header(out):
                self.layers.append(zlib.decompressobj())
                self.sizes.append(0)
            if len(self.layers) > depth + 1 and not self.feed(out, limit, depth + 1):
                return False
        if depth > 0 and layer.eof:
            del self.layers[depth:]  # the nested stream ended; what follows is the outer's trailing data
        return depth > 0 or not layer.eof


def _inflated_size(data: bytes, start: int, limit: int) -> int:
    """What the zlib stream at ``start`` inflates to (counting stops just past ``limit``);
    0 when no zlib stream starts there."""
    if not _zlib_header(data[start : start + 2]):
        return 0
    layers = _Layers()
    position = start
    while position < len(data) and layers.feed(data[position : position + _STEP_IN], limit):
        position += _STEP_IN
    return layers.size


def check_inflation(
    data: bytes,
    *,
    max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES,
    max_total_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
) -> int:
    """The bytes the document's streams inflate to; :class:`InflationLimitExceeded` past a limit."""
    if b"/Encrypt" in data or _LZW.search(data):
        return _check_with_pypdf(data, max_stream_bytes=max_stream_bytes, max_total_bytes=max_total_bytes)
    total = 0
    for match in _STREAM_START.finditer(data):
        total = _count(
            _inflated_size(data, match.end(), max_stream_bytes), total, max_stream_bytes, max_total_bytes
        )
    return total


def _count(size: int, total: int, max_stream_bytes: int, max_total_bytes: int) -> int:
    if size > max_stream_bytes:
        raise InflationLimitExceeded(
            "A stream inflates past the per-stream limit.", inflated_bytes=size, limit=max_stream_bytes
        )
    if total + size > max_total_bytes:
        raise InflationLimitExceeded(
            "The streams inflate past the document limit.", inflated_bytes=total + size, limit=max_total_bytes
        )
    return total + size


def _check_with_pypdf(data: bytes, *, max_stream_bytes: int, max_total_bytes: int) -> int:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return 0  # needs a password: no extractor will decode anything of it
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, NotImplementedError):
        return 0  # unreadable here; the extractors report it
    total = 0
    for generation, numbers in list(reader.xref.items()):
        for number in list(numbers):
            try:
                obj = reader.get_object(IndirectObject(number, generation, reader))
                size = len(obj.get_data()) if isinstance(obj, StreamObject) else 0
            except LimitReachedError as exc:
                raise InflationLimitExceeded(
                    "A stream inflates past pypdf's limit.", inflated_bytes=-1, limit=max_stream_bytes
                ) from exc
            except Exception:  # noqa: S112 - a broken object is the extractors' business, not a bomb
                continue
            total = _count(size, total, max_stream_bytes, max_total_bytes)
    return total


def required_address_space(max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES) -> int:
    """The address space a child needs to read any document the inflation check lets through."""
    return CHILD_BASELINE_BYTES + STREAM_MEMORY_FACTOR * max_stream_bytes


def apply_child_limits(address_space_bytes: int = DEFAULT_ADDRESS_SPACE_BYTES) -> None:
    """Limit this process's address space (``RLIMIT_AS``); call it in each worker child.

    The limit counts virtual memory, not resident memory: numpy's and onnxruntime's thread pools
    and arenas reserve a lot of it (:data:`CHILD_BASELINE_BYTES`), so the limit must be at least
    :func:`required_address_space` (the default is 2.5 GiB). Past the limit an
    allocation fails: Python raises ``MemoryError``; PDFium aborts the child, and Celery replaces it.
    The hard limit is left as it is, never raised.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = address_space_bytes if hard == resource.RLIM_INFINITY else min(address_space_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
