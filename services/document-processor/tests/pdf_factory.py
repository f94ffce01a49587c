"""PDFs made by the tests themselves (fpdf2, or by hand for what no generator writes: bombs)."""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image, ImageDraw

# DejaVu Sans covers Latin, Greek and Cyrillic. Debian's fonts-dejavu-core ships it; our machine image
# has that package (a bare machine: `apt-get install fonts-dejavu-core`).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)


def dejavu_sans() -> Path:
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    raise RuntimeError("DejaVuSans.ttf not found: install Debian's fonts-dejavu-core")


def _new() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_font("helvetica", size=11)
    return pdf


def _out(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def pages(texts: Sequence[str], *, title: str | None = None) -> bytes:
    """One page per text."""
    pdf = _new()
    if title:
        pdf.set_title(title)
    for text in texts:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return _out(pdf)


def two_columns(left: str, right: str) -> bytes:
    pdf = _new()
    pdf.add_page()
    with pdf.text_columns(ncols=2, gutter=12) as columns:
        columns.write(left)
        columns.new_column()
        columns.write(right)
    return _out(pdf)


def with_table(before: str, rows: Sequence[Sequence[str]], after: str) -> bytes:
    pdf = _new()
    pdf.add_page()
    pdf.multi_cell(0, 8, before)
    pdf.ln(4)
    with pdf.table() as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(4)
    pdf.multi_cell(0, 8, after)
    return _out(pdf)


def unicode_text(paragraphs: Sequence[str]) -> bytes:
    """Text in an embedded TrueType font (subset, with its ToUnicode map)."""
    return unicode_pages([paragraphs])


def unicode_pages(pages: Sequence[Sequence[str]]) -> bytes:
    """One page per list of paragraphs, in an embedded TrueType font (subset, with its ToUnicode map)."""
    pdf = _new()
    pdf.add_font("DejaVu", fname=str(dejavu_sans()))
    pdf.set_font("DejaVu", size=12)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 8, paragraph)
            pdf.ln(2)
    return _out(pdf)


def encrypted(text: str, *, user_password: str, method: EncryptionMethod = EncryptionMethod.AES_128) -> bytes:
    pdf = _new()
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    pdf.set_encryption(owner_password="owner-secret", user_password=user_password, encryption_method=method)
    return _out(pdf)


def image_only(page_count: int = 2) -> bytes:
    """A 'scan': each page one picture of some dark strokes, no text objects at all."""
    pdf = _new()
    for number in range(page_count):
        image = Image.new("L", (400, 560), 255)
        draw = ImageDraw.Draw(image)
        for line in range(12):
            draw.rectangle(
                (30, 40 + line * 40, 360 - (line * 17 + number * 30) % 150, 52 + line * 40), fill=0
            )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=10, y=10, w=190)
    return _out(pdf)


# --- hand-made streams ---------------------------------------------------------------------------


def _adler32_combine(first: int, second: int, second_length: int) -> int:
    # zlib's adler32_combine, which Python's zlib does not expose.
    base = 65521
    remainder = second_length % base
    sum1 = first & 0xFFFF
    sum2 = (remainder * sum1) % base
    sum1 += (second & 0xFFFF) + base - 1
    sum2 += ((first >> 16) & 0xFFFF) + ((second >> 16) & 0xFFFF) + base - remainder
    sum1 %= base
    sum2 %= base
    return (sum2 << 16) | sum1


def flate_bomb(inflated_bytes: int, *, fill: bytes = b" ", prefix: bytes = b"") -> bytes:
    """A valid zlib stream of ``prefix`` + ``fill`` repeated to ``inflated_bytes``, ~1000x smaller.

    Built in well under a second: 16 MiB compressed once, each copy ends in a full flush (the
    dictionary reset makes every copy's bytes the same), the Adler-32 combined arithmetically.
    """
    block = fill * (16 * 1024 * 1024 // len(fill))
    count = max(1, inflated_bytes // len(block))
    compressor = zlib.compressobj(9)
    head = compressor.compress(prefix + block) + compressor.flush(zlib.Z_FULL_FLUSH)
    copy = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(prefix + block)
    block_sum = zlib.adler32(block)
    for _ in range(count - 1):
        checksum = _adler32_combine(checksum, block_sum, len(block))
    final_empty_block = b"\x03\x00"  # BFINAL, fixed Huffman, end-of-block: ends the deflate stream
    return head + copy * (count - 1) + final_empty_block + checksum.to_bytes(4, "big")


def raw_pdf(content: bytes, *, filters: str = "/FlateDecode", extra: bytes = b"") -> bytes:
    """A one-page PDF whose content stream is ``content`` (already encoded with ``filters``)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter %s %s>>\nstream\n" % (len(content), filters.encode(), extra)
        + content
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
