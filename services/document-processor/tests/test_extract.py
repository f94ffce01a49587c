"""PDF text extraction on PDFs generated here: pages, columns, tables, scripts, passwords, scans,
broken files, and the fallback chain when the fast path loses text."""

from __future__ import annotations

import re
import unicodedata

import pypdfium2 as pdfium
import pytest
from fpdf.enums import EncryptionMethod
from pdf_factory import encrypted, image_only, pages, two_columns, unicode_text, with_table

from portfolio_documents.processing.pdf import text as pdf_text
from portfolio_documents.processing.pdf.extract import ExtractionError, extract_pdf


def flat(text: str) -> str:
    return " ".join(text.split())


def failure(data: bytes, **kwargs: object) -> ExtractionError:
    kwargs.setdefault("max_pages", 50)
    with pytest.raises(ExtractionError) as caught:
        extract_pdf(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


def page_text(number: int) -> str:
    return f"This is page {number}. It talks about topic{number} at length. " + "Filler sentence here. " * 20


def test_every_page_keeps_its_number_and_its_own_text() -> None:
    result = extract_pdf(pages([page_text(n) for n in range(1, 6)], title="Five pages"), max_pages=50)
    assert [page.number for page in result.pages] == [1, 2, 3, 4, 5]
    for page in result.pages:
        assert f"This is page {page.number}." in page.text
        assert re.findall(r"topic\d+", page.text) == [f"topic{page.number}"]
    assert result.title == "Five pages"
    assert result.extractor == "pypdfium2"


def test_two_columns_come_out_one_after_the_other_not_interleaved() -> None:
    left = "Rivers carve valleys through the northern mountains over many thousands of years. " * 5
    right = "Deserts in the southern plains receive almost no rain during the entire summer. " * 5
    text = extract_pdf(two_columns(left, right), max_pages=5).pages[0].text
    assert flat(left) in flat(text)
    assert flat(right) in flat(text)
    assert flat(text).index("Rivers") < flat(text).index("Deserts")
    for line in text.splitlines():  # no line mixes the two columns
        assert not ("valleys" in line and "Deserts" in line)
        assert not (
            {"Rivers", "mountains"} & set(line.split()) and {"southern", "plains"} & set(line.split())
        )


def test_a_table_becomes_a_markdown_table_in_place() -> None:
    rows = [("Model", "Accuracy", "Parameters"), ("Alpha", "91.2", "7B"), ("Beta", "88.5", "13B")]
    data = with_table("The results of the experiment follow.", rows, "The table ends before this sentence.")
    text = extract_pdf(data, max_pages=5).pages[0].text
    assert "| Model | Accuracy | Parameters |\n| --- | --- | --- |" in text
    assert "| Alpha | 91.2 | 7B |" in text
    assert "| Beta | 88.5 | 13B |" in text
    before, table, after = (
        text.index("The results of the experiment"),
        text.index("| Model"),
        text.index("The table ends"),
    )
    assert before < table < after
    assert text.count("88.5") == 1  # the cells are not repeated as loose text


def test_pages_without_tables_get_no_markdown() -> None:
    assert "|" not in extract_pdf(pages([page_text(1)]), max_pages=5).pages[0].text


def test_non_latin_text_in_an_embedded_font() -> None:
    russian = "Съешь же ещё этих мягких французских булок, да выпей чаю."
    greek = "Γαζέες καὶ μυρτιὲς δὲν θὰ βρῶ πιὰ στὸ χρυσαφὶ ξέφωτο."
    text = unicodedata.normalize(
        "NFC", extract_pdf(unicode_text([russian, greek]), max_pages=5).pages[0].text
    )
    assert unicodedata.normalize("NFC", russian) in flat(text)
    assert unicodedata.normalize("NFC", greek) in flat(text)


@pytest.mark.parametrize("method", [EncryptionMethod.RC4, EncryptionMethod.AES_128])
def test_a_user_password_means_pdf_encrypted(method: EncryptionMethod) -> None:
    error = failure(encrypted("Confidential minutes of the board.", user_password="hunter2", method=method))
    assert error.error_code == "pdf_encrypted"
    assert error.status == 422


@pytest.mark.parametrize("method", [EncryptionMethod.RC4, EncryptionMethod.AES_128])
def test_an_empty_user_password_is_read_normally(method: EncryptionMethod) -> None:
    data = encrypted("Public minutes of the open meeting.", user_password="", method=method)
    assert b"/Encrypt" in data
    assert "Public minutes of the open meeting." in extract_pdf(data, max_pages=5).pages[0].text


def test_a_scan_without_text_layer_is_no_text_layer() -> None:
    error = failure(image_only(page_count=3))
    assert error.error_code == "no_text_layer"
    assert error.details == {"pages": 3, "image_pages": 3}


def test_a_file_that_lost_its_cross_reference_table_is_recovered() -> None:
    data = pages([page_text(n) for n in range(1, 4)])
    truncated = data[: data.rfind(b"xref")]  # the xref table and trailer are gone
    result = extract_pdf(truncated, max_pages=50)
    assert [p.number for p in result.pages] == [1, 2, 3]
    assert "This is page 3." in result.pages[2].text


def test_a_file_cut_in_half_is_pdf_malformed() -> None:
    # fpdf2 writes the catalog last: without it no library can find a page.
    data = pages([page_text(n) for n in range(1, 4)])
    error = failure(data[: len(data) // 2])
    assert error.error_code == "pdf_malformed"
    assert set(error.details["failures"]) == {"pypdfium2", "pypdf", "pdfplumber"}


@pytest.mark.parametrize("data", [b"", b"<!doctype html><p>not a pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100])
def test_not_a_pdf_at_all_is_pdf_malformed(data: bytes) -> None:
    assert failure(data).error_code == "pdf_malformed"


def test_too_many_pages() -> None:
    error = failure(pages([page_text(n) for n in range(1, 7)]), max_pages=5)
    assert error.error_code == "too_many_pages"
    assert error.details == {"pages": 6, "max_pages": 5}


def test_too_large() -> None:
    data = pages([page_text(1)])
    assert failure(data, max_bytes=len(data) - 1).error_code == "too_large"


# --- the fallback chain ---------------------------------------------------------------------------


def test_a_garbled_fast_path_page_is_read_again_by_pypdf(monkeypatch: pytest.MonkeyPatch) -> None:
    original = pdf_text.PdfiumPage.text

    def garble_page_two(self: pdf_text.PdfiumPage) -> str:
        text = original(self)
        return "\ufffd\x01" * (len(text) // 2) if "page 2." in text else text

    monkeypatch.setattr(pdf_text.PdfiumPage, "text", garble_page_two)
    result = extract_pdf(pages([page_text(n) for n in range(1, 4)]), max_pages=50)
    assert "This is page 2." in result.pages[1].text
    assert "\ufffd" not in result.pages[1].text
    assert result.extractor == "pypdfium2+pypdf"


def test_an_empty_fast_path_page_that_draws_text_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    original = pdf_text.PdfiumPage.text
    monkeypatch.setattr(
        pdf_text.PdfiumPage, "text", lambda self: "" if "page 3." in original(self) else original(self)
    )
    result = extract_pdf(pages([page_text(n) for n in range(1, 4)]), max_pages=50)
    assert "This is page 3." in result.pages[2].text
    assert result.extractor == "pypdfium2+pypdf"


def test_characters_dropped_by_the_fast_path_are_noticed_on_the_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Neither garbled nor empty: PDFium silently drops every "e" (as with a broken font map).
    original = pdf_text.PdfiumPage.text
    monkeypatch.setattr(pdf_text.PdfiumPage, "text", lambda self: original(self).replace("e", ""))
    result = extract_pdf(pages([page_text(n) for n in range(1, 4)]), max_pages=50)
    for page in result.pages:
        assert f"This is page {page.number}." in page.text
    assert result.extractor == "pypdf"


def test_a_fallback_that_merely_repeats_text_does_not_replace_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Overprinted "fake bold" text: a library that reports every character twice has more
    # characters, yet loses nothing PDFium has. PDFium's text must stay.
    doubled = {"page_text": pdf_text.PypdfFile.page_text, "sample_text": pdf_text.PypdfFile.sample_text}
    for name, original in doubled.items():
        monkeypatch.setattr(
            pdf_text.PypdfFile, name, lambda self, i, o=original: o(self, i) + " " + o(self, i)
        )
    result = extract_pdf(pages([page_text(n) for n in range(1, 3)]), max_pages=50)
    assert result.extractor == "pypdfium2"
    assert result.pages[0].text.count("This is page 1.") == 1


def test_when_pdfium_cannot_open_the_file_pypdf_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object, data: bytes) -> None:
        raise pdfium.PdfiumError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(pdf_text.PdfiumFile, "__init__", refuse)
    result = extract_pdf(pages([page_text(n) for n in range(1, 3)], title="Fallback"), max_pages=50)
    assert [p.number for p in result.pages] == [1, 2]
    assert "This is page 2." in result.pages[1].text
    assert (result.extractor, result.title) == ("pypdf", "Fallback")


def test_when_pdfium_and_pypdf_fail_pdfplumber_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object, data: bytes) -> None:
        raise ValueError("broken")

    monkeypatch.setattr(pdf_text.PdfiumFile, "__init__", refuse)
    monkeypatch.setattr(pdf_text.PypdfFile, "__init__", refuse)
    result = extract_pdf(pages([page_text(1)]), max_pages=50)
    assert "This is page 1." in result.pages[0].text
    assert result.extractor == "pdfplumber"
