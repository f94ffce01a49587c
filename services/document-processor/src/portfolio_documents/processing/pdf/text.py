"""The three PDF text libraries behind one small interface, and the measure of a page's text.

- :class:`PdfiumFile` (pypdfium2, PDFium's C++): fast, repairs broken cross-reference tables, keeps
  the content order of multi-column pages. The fast path.
- :class:`PypdfFile` (pypdf, pure Python): decodes fonts differently, so it keeps characters
  PDFium sometimes drops; slower.
- :class:`PlumberFile` (pdfplumber on pdfminer.six): a third parser, and the table finder.

Each raises :class:`NeedsPassword` for a document that opens only with a password (an empty user
password is tried, as every reader does) and lets its own errors through otherwise.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pdfplumber
import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pypdf import PageObject
from pypdf.generic import IndirectObject, NameObject

PDFIUM = "pypdfium2"
PYPDF = "pypdf"
PDFPLUMBER = "pdfplumber"

# Controls (but tab and newline), C1 controls, U+FFFD and the private use area: what a page's text
# holds when a font's character map is missing or misread.
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
# PDFium marks a soft hyphen where a word was broken across lines: dropping it rejoins the word.
_SOFT_BREAKS = str.maketrans({"\x02": None, "\ufffe": None, "\x00": None, "\ufeff": None})
# Page attributes a page may take from its ancestors in the page tree (PDF 32000-1, 7.7.3.4).
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_MAX_TREE_DEPTH = 64
# Another library must find 10 % more characters, and a fifth of its words missing here, before a
# page's text counts as losing characters (tokenisation differs a little between libraries).
_MORE_CHARS, _SLACK_CHARS, _MISSING_WORDS = 1.1, 10, 0.2


class NeedsPassword(Exception):
    """The document is encrypted and the empty user password does not open it."""


def clean(text: str) -> str:
    """Newlines as ``\\n``, PDFium's soft-hyphen marks removed, outer blank space stripped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_SOFT_BREAKS).strip()


@dataclass(frozen=True)
class Quality:
    """Characters of a page's text that are not white space, and how many of them are garbage."""

    chars: int
    bad: int

    @property
    def good(self) -> int:
        return self.chars - self.bad

    @property
    def garbled(self) -> bool:
        return self.bad >= 2 and self.bad * 10 > self.chars


def quality(text: str) -> Quality:
    blank = text.count(" ") + text.count("\n") + text.count("\t") + text.count("\xa0")
    return Quality(chars=len(text) - blank, bad=len(_BAD.findall(text)))


def loses_text(text: str, other: str) -> bool:
    """Whether ``text`` lacks what ``other`` (the same page read by another library) holds: clearly
    fewer characters AND many of the other's words missing. The words matter: a library that
    repeats overprinted ("fake bold") text has more characters but no words the other lacks."""
    mine, theirs = quality(text), quality(other)
    if theirs.good <= mine.good * _MORE_CHARS + _SLACK_CHARS:
        return False
    their_words = set(other.split())
    missing = len(their_words - set(text.split()))
    return missing > _MISSING_WORDS * len(their_words)


@dataclass(frozen=True)
class PageObjects:
    """How many objects of each kind a page draws at its top level (forms may hold more)."""

    text: int = 0
    path: int = 0
    image: int = 0
    form: int = 0


class PdfiumFile:
    def __init__(self, data: bytes) -> None:
        try:
            self.doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise NeedsPassword(str(exc)) from exc
            raise

    def __len__(self) -> int:
        return len(self.doc)

    def title(self) -> str | None:
        return (self.doc.get_metadata_value("Title") or "").strip() or None

    def page(self, index: int) -> PdfiumPage:
        return PdfiumPage(self.doc[index])

    def close(self) -> None:
        self.doc.close()


class PdfiumPage:
    """One loaded page and its text page; close it (or use ``with``) to free PDFium's memory."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.textpage = page.get_textpage()

    def __enter__(self) -> PdfiumPage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.textpage.close()
        self.page.close()

    def text(self) -> str:
        return clean(self.textpage.get_text_bounded())

    def text_in(self, left: float, bottom: float, right: float, top: float) -> str:
        """The text inside a rectangle in PDF user space (origin bottom left)."""
        return clean(self.textpage.get_text_bounded(left=left, bottom=bottom, right=right, top=top))

    def box(self) -> tuple[float, float, float, float]:
        """The visible page (media box cut by the crop box, inherited boxes included)."""
        left, bottom, right, top = self.page.get_bbox()
        return float(left), float(bottom), float(right), float(top)

    def rotation(self) -> int:
        return int(self.page.get_rotation())

    def objects(self) -> PageObjects:
        # The raw calls: the helper objects pypdfium2 builds per page object cost ~10x more.
        raw = self.page.raw
        counts = {pdfium_c.FPDF_PAGEOBJ_TEXT: 0, pdfium_c.FPDF_PAGEOBJ_PATH: 0,
                  pdfium_c.FPDF_PAGEOBJ_IMAGE: 0, pdfium_c.FPDF_PAGEOBJ_FORM: 0}  # fmt: skip
        for index in range(pdfium_c.FPDFPage_CountObjects(raw)):
            kind = pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw, index))
            if kind in counts:
                counts[kind] += 1
        return PageObjects(
            text=counts[pdfium_c.FPDF_PAGEOBJ_TEXT],
            path=counts[pdfium_c.FPDF_PAGEOBJ_PATH],
            image=counts[pdfium_c.FPDF_PAGEOBJ_IMAGE],
            form=counts[pdfium_c.FPDF_PAGEOBJ_FORM],
        )


class PypdfFile:
    def __init__(self, data: bytes) -> None:
        self.reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if self.reader.is_encrypted and not self.reader.decrypt(""):
            raise NeedsPassword("pypdf: the empty user password does not open the document")

    def __len__(self) -> int:
        return len(self.reader.pages)

    def title(self) -> str | None:
        metadata = self.reader.metadata
        return (str(metadata.title or "") if metadata else "").strip() or None

    def page_text(self, index: int) -> str:
        return clean(self.reader.pages[index].extract_text() or "")

    def sample_text(self, index: int) -> str:
        """The text of one page, found without building the list of all pages first.

        ``reader.pages`` parses every page object of the document; a sample (one page of a long
        document) must cost one page. Any irregular page tree takes the ordinary way.
        """
        try:
            page = self._walk_to(index)
        except Exception:
            page = self.reader.pages[index]
        return clean(page.extract_text() or "")

    def _walk_to(self, index: int) -> PageObject:
        node: Any = self.reader.root_object["/Pages"].get_object()
        inherited: dict[str, Any] = {}
        reference = None
        for _ in range(_MAX_TREE_DEPTH):
            for key in _INHERITABLE:
                if key in node:
                    inherited[key] = node.raw_get(key)
            kids = node.get("/Kids")
            if kids is None:
                break
            for kid_reference in kids:
                kid = kid_reference.get_object()
                size = int(kid.get("/Count", 1)) if "/Kids" in kid else 1
                if index < size:
                    node, reference = kid, kid_reference
                    break
                index -= size
            else:
                raise IndexError(index)
        if "/Kids" in node or not isinstance(reference, IndirectObject):
            raise ValueError("not a plain page tree")
        page = PageObject(self.reader, reference)
        page.update(node)
        for key, value in inherited.items():
            page.setdefault(NameObject(key), value)
        return page

    def close(self) -> None:
        self.reader.close()


class PlumberFile:
    def __init__(self, data: bytes) -> None:
        try:
            self.pdf = pdfplumber.open(io.BytesIO(data))
            self.pages = self.pdf.pages
        except PDFPasswordIncorrect as exc:
            raise NeedsPassword("pdfminer: the empty user password does not open the document") from exc

    def __len__(self) -> int:
        return len(self.pages)

    def title(self) -> str | None:
        value = self.pdf.metadata.get("Title")
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        return (str(value) if value else "").strip() or None

    def page_text(self, index: int) -> str:
        page = self.pages[index]
        try:
            return clean(page.extract_text() or "")
        finally:
            page.close()  # drops the page's parsed layout, which pdfplumber caches

    def close(self) -> None:
        self.pdf.close()
