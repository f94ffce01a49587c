"""Tables stay readable: pdfplumber finds ruled tables, they become Markdown in the page's text.

Flattened by a text extractor, a table is a run of cells whose rows and columns are lost. Where
pdfplumber detects a table, the page's text is rebuilt from PDFium in horizontal bands: the text
above the table, the text beside it, the table as a Markdown table, then on down the page. Only
pages that draw enough lines to hold a ruled table are handed to pdfplumber (it is the slowest of
the three libraries by far).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from portfolio_documents.processing.pdf.text import PageObjects, PdfiumPage, PlumberFile

#: A ruled table draws at least this many paths (its rules or cell borders).
MIN_TABLE_PATHS = 4


@dataclass(frozen=True)
class Table:
    """A detected table: its box in pdfplumber's coordinates (from the page's top left) and cells."""

    x0: float
    top: float
    x1: float
    bottom: float
    rows: list[list[str]]


def may_hold_a_table(objects: PageObjects) -> bool:
    return objects.path >= MIN_TABLE_PATHS and objects.text > 0


def _cell(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def find_tables(plumber: PlumberFile, index: int) -> list[Table]:
    """The tables on page ``index`` with at least two rows and two columns, top to bottom."""
    page = plumber.pages[index]
    try:
        tables = []
        for found in page.find_tables():
            rows = [[_cell(cell) for cell in row] for row in found.extract()]
            rows = [row for row in rows if any(row)]
            if len(rows) >= 2 and max(len(row) for row in rows) >= 2:
                x0, top, x1, bottom = (float(v) for v in found.bbox)
                tables.append(Table(x0, top, x1, bottom, rows))
        return sorted(tables, key=lambda table: table.top)
    finally:
        page.close()


def to_markdown(rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table; the first row is the header."""
    width = max(len(row) for row in rows)

    def line(cells: list[str]) -> str:
        padded = [cell.replace("|", "\\|") for cell in cells] + [""] * (width - len(cells))
        return "| " + " | ".join(padded) + " |"

    return "\n".join([line(rows[0]), "| " + " | ".join(["---"] * width) + " |", *map(line, rows[1:])])


def compose(page: PdfiumPage, tables: list[Table]) -> str:
    """The page's text with each table in place as Markdown (appended, if the layout is unusual)."""
    left, bottom, right, top = page.box()
    stacked = all(a.bottom <= b.top for a, b in itertools.pairwise(tables))
    if page.rotation() or not stacked:
        return "\n\n".join([page.text(), *(to_markdown(table.rows) for table in tables)])
    pieces: list[str] = []
    cursor = top
    for table in tables:
        table_top, table_bottom = top - table.top, top - table.bottom
        table_left, table_right = left + table.x0, left + table.x1
        pieces += [
            page.text_in(left, table_top, right, cursor),
            page.text_in(left, table_bottom, table_left, table_top),
            to_markdown(table.rows),
            page.text_in(table_right, table_bottom, right, table_top),
        ]
        cursor = table_bottom
    pieces.append(page.text_in(left, bottom, right, cursor))
    return "\n\n".join(piece for piece in pieces if piece)
