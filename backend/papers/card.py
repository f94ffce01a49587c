"""The share card of a paper: a 1200x630 PNG with its title, authors and topics (``og:image``).

Drawn with Pillow and the font Pillow bundles (``ImageFont.load_default(size)``: Aileron through
FreeType), so nothing is read from the system and every machine draws the same card. Limits keep
any paper inside the card: the title takes at most four lines (a smaller size first, then an
ellipsis), the authors one line ("A, B, C + 12 more"), the topics one row of chips. Words wider than
a line (CJK text has no spaces, a long formula none either) break between characters. The bundled
font covers ASCII only: accents are folded (Müller → Muller) and other characters (CJK, Greek, most
symbols) are left out of the image rather than drawn as boxes; the page's meta tags carry the full
text, and a title with nothing drawable shows the site name and the id.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
SITE = "AI Platform Portfolio - papers"
#: Title sizes tried in turn; the first that fits in TITLE_LINES lines wins, else the last, cut.
TITLE_SIZES = (60, 50, 42)
TITLE_LINES = 4
AUTHOR_SIZE, TOPIC_SIZE, SMALL_SIZE = 30, 26, 24
MAX_TOPICS = 4
BACKGROUND, FOREGROUND, MUTED, ACCENT = "#0f172a", "#f8fafc", "#94a3b8", "#38bdf8"
CHIP, CHIP_TEXT = "#1e293b", "#e2e8f0"
ELLIPSIS = "..."  # the font has no U+2026
GLYPH_PROBE = 24

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


@cache
def _has_glyph(char: str) -> bool:
    """False when the font would draw ``char`` as its missing-glyph box (coverage is size-free)."""
    return char.isspace() or _glyph(char) != _glyph("\U0010fffd")


@cache
def _glyph(char: str) -> bytes:
    image = Image.new("L", (GLYPH_PROBE * 2, GLYPH_PROBE * 2))
    ImageDraw.Draw(image).text((0, 0), char, font=_font(GLYPH_PROBE), fill=255)
    return image.tobytes()


def drawable(text: str) -> str:
    """``text`` as the bundled font can draw it: accents folded (é → e, as the font is ASCII only),
    other missing characters left out, spaces squeezed."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    kept = "".join(char for char in folded if _has_glyph(char))
    return " ".join(kept.split())


def _width(text: str, font: Font) -> float:
    return font.getlength(text)


def _tokens(text: str, font: Font, width: float) -> list[str]:
    """Words, with any word wider than a line split between characters."""
    tokens: list[str] = []
    for word in text.split(" "):
        if _width(word, font) <= width:
            tokens.append(word)
            continue
        piece = ""
        for char in word:
            if piece and _width(piece + char, font) > width:
                tokens.append(piece)
                piece = ""
            piece += char
        tokens.append(piece)
    return [token for token in tokens if token]


def wrap(text: str, font: Font, width: float, max_lines: int) -> tuple[list[str], bool]:
    """``text`` in lines no wider than ``width``; at most ``max_lines``, the last ending in an ellipsis when
    cut. Returns the lines and whether everything fit."""
    lines: list[str] = []
    for token in _tokens(text, font, width):
        candidate = f"{lines[-1]} {token}" if lines else token
        if lines and _width(candidate, font) <= width:
            lines[-1] = candidate
        else:
            lines.append(token)
    if len(lines) <= max_lines:
        return lines, True
    last = lines[max_lines - 1]
    while last and _width(last + ELLIPSIS, font) > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + ELLIPSIS], False


def authors_line(authors: Sequence[str], font: Font, width: float) -> str:
    """As many names as fit on one line, then "+ N more"."""
    names = [name for name in (drawable(a) for a in authors) if name]
    for shown in range(len(names), 0, -1):
        rest = len(names) - shown
        line = ", ".join(names[:shown]) + (f" + {rest} more" if rest else "")
        if _width(line, font) <= width:
            return line
    if not names:
        return ""
    return wrap(names[0], font, width, 1)[0][0] + (f" + {len(names) - 1} more" if len(names) > 1 else "")


def render_card(*, title: str, authors: Sequence[str], topics: Sequence[str], arxiv_id: str) -> bytes:
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, 12, HEIGHT), fill=ACCENT)
    draw.text((MARGIN, MARGIN - 8), SITE, font=_font(SMALL_SIZE), fill=ACCENT)

    lines: list[str] = []
    size = TITLE_SIZES[-1]
    for size in TITLE_SIZES:
        lines, fits = wrap(drawable(title), _font(size), inner, TITLE_LINES)
        if fits:
            break
    y = MARGIN + 56
    for line in lines:
        draw.text((MARGIN, y), line, font=_font(size), fill=FOREGROUND)
        y += int(size * 1.2)

    byline = authors_line(authors, _font(AUTHOR_SIZE), inner)
    draw.text((MARGIN, max(y + 24, HEIGHT - MARGIN - 120)), byline, font=_font(AUTHOR_SIZE), fill=MUTED)

    x, chip_y = MARGIN, HEIGHT - MARGIN - 44
    topic_font = _font(TOPIC_SIZE)
    for topic in [t for t in (drawable(t) for t in topics) if t][:MAX_TOPICS]:
        label = wrap(topic, topic_font, 360, 1)[0][0]
        chip = _width(label, topic_font) + 32
        if x + chip > WIDTH - MARGIN - 260:
            break
        draw.rounded_rectangle((x, chip_y, x + chip, chip_y + 44), radius=22, fill=CHIP)
        draw.text((x + 16, chip_y + 8), label, font=topic_font, fill=CHIP_TEXT)
        x += int(chip) + 12
    small = _font(SMALL_SIZE)
    label = f"arXiv:{arxiv_id}"
    draw.text((WIDTH - MARGIN - _width(label, small), chip_y + 10), label, font=small, fill=MUTED)

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
