"""PDF bytes to text per page, surviving the PDFs people actually upload.

1. Refuse early: larger than ``max_bytes`` (``too_large``), no ``%PDF-`` header (``pdf_malformed``),
   streams that inflate to a bomb (``too_large``, see :mod:`.pdf_guard`), more than ``max_pages``
   pages (``too_many_pages``), a user password needed (``pdf_encrypted``; an empty user password is
   tried first, so such PDFs read normally).
2. Fast path: PDFium (pypdfium2) reads every page.
3. Quality gate: a page whose text is garbled (replacement, control or private-use characters), or
   empty although the page draws text, is read again by pypdf, then pdfplumber, and the best text
   kept. One sample page (the fullest) is also read by pypdf: when pypdf finds clearly more
   characters there, PDFium is dropping some in this document and every page is compared.
4. When PDFium cannot open the file at all, pypdf and then pdfplumber read the whole document;
   when every library fails, ``pdf_malformed``.
5. Pages that draw enough lines for a ruled table go to pdfplumber's table finder; a table found
   becomes a Markdown table in the page's text (:mod:`.pdf_tables`).
6. No text on any page: ``no_text_layer`` (a scan; there is no OCR).

``timeout``: ``time_limit`` seconds are checked between pages, and a soft time limit raised into
the extraction by the caller (Celery's ``SoftTimeLimitExceeded``, recognised by name: this module
imports no Celery) becomes ``timeout`` too instead of being taken for a library failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import ClassVar, TypeVar

from portfolio_documents.processing.pdf.guard import (
    DEFAULT_MAX_INFLATED_BYTES,
    DEFAULT_MAX_STREAM_BYTES,
    InflationLimitExceeded,
    apply_child_limits,
    check_inflation,
)
from portfolio_documents.processing.pdf.tables import (
    Table,
    compose,
    find_tables,
    may_hold_a_table,
    to_markdown,
)
from portfolio_documents.processing.pdf.text import (
    PDFIUM,
    PDFPLUMBER,
    PYPDF,
    NeedsPassword,
    PageObjects,
    PdfiumFile,
    PlumberFile,
    PypdfFile,
    Quality,
    loses_text,
    quality,
)
from portfolio_documents.processing.types import ExtractedPdf, PageText
from portfolio_shared.errors import PortfolioError

__all__ = ["ExtractedPdf", "ExtractionError", "PageText", "apply_child_limits", "extract_pdf"]

logger = logging.getLogger("portfolio.documents.extract")
T = TypeVar("T")
_CHAIN = (PDFIUM, PYPDF, PDFPLUMBER)
_TIME_LIMIT_NAMES = frozenset({"SoftTimeLimitExceeded", "TimeLimitExceeded"})
_SAMPLE_PAGES = 8


class ExtractionError(PortfolioError):
    """A PDF that yields no text; ``error_code`` says why: ``pdf_encrypted``, ``no_text_layer``,
    ``pdf_malformed``, ``too_many_pages``, ``too_large`` or ``timeout``."""

    status: ClassVar[int] = 422
    code: ClassVar[str] = "pdf_malformed"
    default_message: ClassVar[str] = "The PDF could not be read."


def _fail(code: str, message: str, **details: object) -> ExtractionError:
    return ExtractionError(message, code=code, details=details)


def _is_time_limit(exc: BaseException) -> bool:
    return any(cls.__name__ in _TIME_LIMIT_NAMES for cls in type(exc).__mro__)


def extract_pdf(
    data: bytes,
    *,
    max_pages: int,
    max_bytes: int | None = None,
    time_limit: float | None = None,
    max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    tables: bool = True,
) -> ExtractedPdf:
    """The text of every page of ``data``, or :class:`ExtractionError` with the precise code."""
    deadline = time.monotonic() + time_limit if time_limit is not None else None
    try:
        return _Extraction(data, max_pages=max_pages, deadline=deadline, tables=tables).run(
            max_bytes=max_bytes, max_stream_bytes=max_stream_bytes, max_inflated_bytes=max_inflated_bytes
        )
    except ExtractionError:
        raise
    except MemoryError as exc:
        raise _fail("too_large", "The PDF needs more memory than a worker may use.") from exc
    except Exception as exc:
        if _is_time_limit(exc):
            raise _fail("timeout", "Extraction ran out of time.") from exc
        raise


class _Extraction:
    def __init__(self, data: bytes, *, max_pages: int, deadline: float | None, tables: bool) -> None:
        self.data = data
        self.max_pages = max_pages
        self.deadline = deadline
        self.tables = tables
        self.failures: dict[str, str] = {}
        self._pypdf: PypdfFile | None = None
        self._plumber: PlumberFile | None = None

    # -- helpers --------------------------------------------------------------------------------

    def _attempt(self, name: str, call: Callable[[], T], *, password_fatal: bool = False) -> T | None:
        """``call()``, or None when the library fails (recorded); time limits are never swallowed.

        ``password_fatal``: a library that needs a password means ``pdf_encrypted`` (when it is the
        one reading the document), not merely a failed fallback."""
        try:
            return call()
        except NeedsPassword as exc:
            if password_fatal:
                raise _fail("pdf_encrypted", "The PDF needs a password.") from exc
            self.failures.setdefault(name, f"needs a password: {exc}"[:300])
            return None
        except (ExtractionError, MemoryError):
            raise
        except Exception as exc:
            if _is_time_limit(exc):
                raise
            self.failures.setdefault(name, f"{type(exc).__name__}: {exc}"[:300])
            logger.info("pdf library %s failed: %s", name, self.failures[name])
            return None

    def _tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _fail("timeout", "Extraction ran out of time.")

    def _check_pages(self, count: int) -> None:
        if count > self.max_pages:
            raise _fail(
                "too_many_pages", "The PDF has too many pages.", pages=count, max_pages=self.max_pages
            )

    def pypdf(self, *, password_fatal: bool = False) -> PypdfFile | None:
        if self._pypdf is None and PYPDF not in self.failures:
            self._pypdf = self._attempt(PYPDF, lambda: PypdfFile(self.data), password_fatal=password_fatal)
        return self._pypdf

    def plumber(self, *, password_fatal: bool = False) -> PlumberFile | None:
        if self._plumber is None and PDFPLUMBER not in self.failures:
            self._plumber = self._attempt(
                PDFPLUMBER, lambda: PlumberFile(self.data), password_fatal=password_fatal
            )
        return self._plumber

    def _fallback_text(self, name: str, index: int) -> str | None:
        source = self.pypdf() if name == PYPDF else self.plumber()
        if source is None:
            return None
        return self._attempt(name, lambda: source.page_text(index))

    def _sample_text(self, index: int) -> str | None:
        source = self.pypdf()
        return None if source is None else self._attempt(PYPDF, lambda: source.sample_text(index))

    # -- the chain ------------------------------------------------------------------------------

    def run(self, *, max_bytes: int | None, max_stream_bytes: int, max_inflated_bytes: int) -> ExtractedPdf:
        if max_bytes is not None and len(self.data) > max_bytes:
            raise _fail(
                "too_large", "The PDF is larger than the limit.", bytes=len(self.data), max_bytes=max_bytes
            )
        if b"%PDF-" not in self.data[:1029]:
            raise _fail("pdf_malformed", "The file is not a PDF (no %PDF- header).")
        try:
            check_inflation(self.data, max_stream_bytes=max_stream_bytes, max_total_bytes=max_inflated_bytes)
        except InflationLimitExceeded as exc:
            raise _fail(
                "too_large", f"Refused as a decompression bomb: {exc}", inflated_bytes=exc.inflated_bytes,
                limit_bytes=exc.limit,
            ) from exc  # fmt: skip
        try:
            pdfium = self._attempt(PDFIUM, lambda: PdfiumFile(self.data), password_fatal=True)
            if pdfium is not None and len(pdfium) > 0:
                try:
                    return self._with_pdfium(pdfium)
                finally:
                    pdfium.close()
            return self._without_pdfium()
        finally:
            for opened in (self._pypdf, self._plumber):
                if opened is not None:
                    self._attempt("close", opened.close)

    def _with_pdfium(self, pdfium: PdfiumFile) -> ExtractedPdf:
        count = len(pdfium)
        self._check_pages(count)
        texts: list[str] = [""] * count
        sources: list[str] = [PDFIUM] * count
        objects: list[PageObjects] = [PageObjects()] * count
        qualities: list[Quality] = [Quality(0, 0)] * count
        suspects: list[int] = []
        for index in range(count):
            self._tick()
            read = self._attempt(PDFIUM, partial(_read_pdfium_page, pdfium, index))
            if read is None:
                suspects.append(index)
                continue
            texts[index], objects[index] = read
            qualities[index] = quality(texts[index])
            drawn_text = objects[index].text or objects[index].form
            if qualities[index].garbled or (qualities[index].chars == 0 and drawn_text):
                suspects.append(index)

        # The sample: the fullest of the first sound pages (early pages are the cheapest to reach).
        sound = [i for i in range(count) if qualities[i].good and not qualities[i].garbled][:_SAMPLE_PAGES]
        if sound:
            sample = max(sound, key=lambda i: qualities[i].good)
            other = self._sample_text(sample)
            if other is not None and loses_text(texts[sample], other):
                logger.info("pdfium drops characters pypdf keeps (page %d): comparing every page", sample + 1)
                suspects = list(range(count))

        for index in sorted(set(suspects)):
            self._tick()
            texts[index], sources[index] = self._best_text(index, texts[index])

        if self.tables:
            self._add_tables(pdfium, texts, sources, objects)
        return self._result(texts, sources, objects, pdfium.title())

    def _best_text(self, index: int, current: str) -> tuple[str, str]:
        """The best of PDFium's text and the fallbacks' for one page.

        Sound PDFium text (neither garbled nor empty) gives way only to a text it visibly loses
        against (:func:`~.pdf_text.loses_text`); otherwise the soundest, fullest text wins."""
        best, best_source = current, PDFIUM
        for name in (PYPDF, PDFPLUMBER):
            best_quality = quality(best)
            sound = best_quality.good > 0 and not best_quality.garbled
            if name == PDFPLUMBER and sound:
                break  # no need for the slowest library
            other = self._fallback_text(name, index)
            if other is None:
                continue
            other_quality = quality(other)
            if sound:
                if loses_text(best, other):
                    best, best_source = other, name
            elif (not other_quality.garbled, other_quality.good) > (
                not best_quality.garbled,
                best_quality.good,
            ):
                best, best_source = other, name
        return best, best_source

    def _add_tables(
        self, pdfium: PdfiumFile, texts: list[str], sources: list[str], objects: list[PageObjects]
    ) -> None:
        for index, page_objects in enumerate(objects):
            if not may_hold_a_table(page_objects):
                continue
            self._tick()
            plumber = self.plumber()
            if plumber is None:
                return
            found = self._attempt("tables", partial(find_tables, plumber, index))
            if not found:
                continue
            if sources[index] == PDFIUM:
                composed = self._attempt(PDFIUM, partial(_compose, pdfium, index, found))
                if composed:
                    texts[index] = composed
                    continue
            texts[index] = "\n\n".join([texts[index], *(to_markdown(table.rows) for table in found)])

    def _without_pdfium(self) -> ExtractedPdf:
        opened_without_text = False
        for name, source in ((PYPDF, self.pypdf), (PDFPLUMBER, self.plumber)):
            document = source(password_fatal=True)
            if document is None:
                continue
            count = self._attempt(name, document.__len__)
            if not count:
                continue
            self._check_pages(count)
            texts = []
            for index in range(count):
                self._tick()
                texts.append(self._fallback_text(name, index) or "")
            if any(quality(text).good for text in texts):
                title = self._attempt(name, document.title)
                return self._result(texts, [name] * count, [PageObjects()] * count, title)
            opened_without_text = True
        if opened_without_text:
            raise _fail("no_text_layer", "The PDF has no text layer (a scan?); there is no OCR.")
        raise _fail("pdf_malformed", "No PDF library could read the file.", failures=self.failures)

    def _result(
        self, texts: list[str], sources: list[str], objects: list[PageObjects], title: str | None
    ) -> ExtractedPdf:
        if not any(quality(text).good for text in texts):
            raise _fail(
                "no_text_layer", "The PDF has no text layer (a scan?); there is no OCR.",
                pages=len(texts), image_pages=sum(1 for o in objects if o.image),
            )  # fmt: skip
        used = [name for name in _CHAIN if name in sources]
        return ExtractedPdf(
            pages=[PageText(number=i + 1, text=text) for i, text in enumerate(texts)],
            title=title,
            extractor="+".join(used),
        )


def _read_pdfium_page(pdfium: PdfiumFile, index: int) -> tuple[str, PageObjects]:
    with pdfium.page(index) as page:
        return page.text(), page.objects()


def _compose(pdfium: PdfiumFile, index: int, tables: list[Table]) -> str:
    with pdfium.page(index) as page:
        return compose(page, tables)
