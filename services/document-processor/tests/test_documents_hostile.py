"""Hostile and unusual PDFs uploaded to ``POST /process/pdf`` (multipart) and read by the session's
real prefork worker (conftest's ``celery_worker``): pages, columns, tables and non-Latin scripts come
out right, PDFs that only look locked or broken are read, every hostile one fails its job with its
own code without killing the child that read it, and the worker's main process outlives them all.
"""

from __future__ import annotations

import asyncio
import os
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import Worker
from documents_pdfs import text_pdf
from pdf_factory import (
    encrypted,
    flate_bomb,
    image_only,
    pages,
    raw_pdf,
    two_columns,
    unicode_text,
    with_table,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from test_documents_e2e import AUTH, search, submit_text, wait_for

from portfolio_documents.models import Chunk as ChunkRow

GiB = 1024**3
FILLER = "The survey compares storage engines, their write paths and their compaction policies. " * 6


def nfc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def stored_chunks(engine: Engine, key: str) -> list[Any]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(ChunkRow.char_start, ChunkRow.text, ChunkRow.page_start, ChunkRow.page_end)
                .where(ChunkRow.document_key == key)
                .order_by(ChunkRow.chunk_index)
            ).all()
        )


def stored_text(engine: Engine, key: str) -> str:
    """The document's text put back together from its overlapping chunks, placed by their offsets."""
    text = ""
    for row in stored_chunks(engine, key):
        text = text[: row.char_start].ljust(row.char_start) + row.text
    return text


def outcome(job: dict[str, Any]) -> tuple[str, str | None]:
    """A finished job's state and error code (None when it has no error)."""
    return job["state"], (job["error"] or {}).get("code")


async def upload(client: httpx.AsyncClient, data: bytes, key: str) -> dict[str, Any]:
    response = await client.post(
        "/process/pdf",
        files={"file": ("upload.pdf", data, "application/pdf")},
        data={"document_key": key},
        headers=AUTH,
    )
    assert response.status_code == 202, response.text
    return response.json()


async def process(client: httpx.AsyncClient, data: bytes, key: str) -> dict[str, Any]:
    return await wait_for(client, (await upload(client, data, key))["status_url"])


@pytest.fixture
def live(celery_worker: Worker) -> Worker:
    return celery_worker


# --- hostile PDFs through the worker --------------------------------------------------------------


def _cut_in_half() -> bytes:
    data = pages([f"Page {n}. {FILLER}" for n in range(1, 4)])
    return data[: len(data) // 2]  # fpdf2 writes the catalog last: no library finds a page


#: Each PDF and the code its job must fail with.
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "user-password": (lambda: encrypted("Minutes of the board.", user_password="hunter2"), "pdf_encrypted"),
    "image-only": (lambda: image_only(page_count=2), "no_text_layer"),
    "cut-in-half": (_cut_in_half, "pdf_malformed"),
    # 4 MB uploaded, 4 GiB inflated: PDFium, reading it whole, would abort the child (see pdf_guard).
    "flate-bomb": (lambda: raw_pdf(flate_bomb(4 * GiB)), "too_large"),
    "501-pages": (lambda: text_pdf([f"Page {n}." for n in range(1, 502)]), "too_many_pages"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_a_hostile_pdf_fails_its_job_with_the_precise_code(
    case: str, live: Worker, client: httpx.AsyncClient
) -> None:
    make, code = HOSTILE[case]
    job = await process(client, make(), f"hostile:{case}:{uuid.uuid4().hex}")
    assert outcome(job) == ("failed", code), job
    assert job["result"] is None
    assert job["attempts"] == 1  # the child survived it: a dead child would have meant a redelivery


async def test_every_page_keeps_its_number(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    key = f"hostile:pages:{tag}"
    texts = [f"Page {n} of the survey. Marker pagemark{n}x{tag} is on it. {FILLER}" for n in range(1, 5)]
    job = await process(client, pages(texts, title=f"Survey {tag}"), key)
    assert job["state"] == "succeeded", job
    assert job["result"]["pages"] == 4
    chunks = stored_chunks(sync_engine, key)
    assert len(chunks) > 1
    for number in range(1, 5):
        holding = [c for c in chunks if f"pagemark{number}x{tag}" in c.text]
        assert holding, f"page {number}'s marker is in no chunk"
        assert all(c.page_start <= number <= c.page_end for c in holding)
    hits = await search(client, f"pagemark3x{tag}", k=3, filters={"document_key": key})
    assert hits[0]["scores"]["keyword_rank"] == 1
    assert hits[0]["page"] <= 3 <= hits[0]["metadata"]["page_end"]


async def test_two_columns_are_stored_one_after_the_other(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    key = f"hostile:columns:{tag}"
    left = f"Rivers carve valleys through the northern mountains over many thousand years {tag}. " * 3
    right = "Deserts in the southern plains receive almost no rain during the entire summer. " * 3
    job = await process(client, two_columns(left, right), key)
    assert job["state"] == "succeeded", job
    text = nfc(stored_text(sync_engine, key))
    assert nfc(left) in text and nfc(right) in text  # each column whole, not interleaved line by line
    assert text.index("Rivers") < text.index("Deserts")


async def test_a_table_is_stored_as_a_markdown_table_whose_cells_are_searchable(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    key = f"hostile:table:{tag}"
    rows = [("Model", "Accuracy", "Parameters"), (f"Zorblax{tag}", "91.2", "7B"), ("Beta", "88.5", "13B")]
    data = with_table("The results of the experiment follow.", rows, "The table ends before this sentence.")
    job = await process(client, data, key)
    assert job["state"] == "succeeded", job
    assert "| Model | Accuracy | Parameters |\n| --- | --- | --- |" in stored_text(sync_engine, key)
    hits = await search(client, f"Zorblax{tag}", k=3, filters={"document_key": key})
    assert hits[0]["scores"]["keyword_rank"] == 1
    assert f"| Zorblax{tag} | 91.2 | 7B |" in hits[0]["text"]


async def test_cyrillic_and_greek_text_is_stored_and_searchable(
    live: Worker, client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    key = f"hostile:unicode:{tag}"
    russian = "Съешь же ещё этих мягких французских булок, да выпей чаю."
    greek = "Γαζέες καὶ μυρτιὲς δὲν θὰ βρῶ πιὰ στὸ χρυσαφὶ ξέφωτο."
    job = await process(client, unicode_text([russian, greek, f"Tag {tag}."]), key)
    assert job["state"] == "succeeded", job
    text = nfc(stored_text(sync_engine, key))
    assert nfc(russian) in text and nfc(greek) in text
    hits = await search(client, "французских булок", k=3, filters={"document_key": key})
    assert hits[0]["scores"]["keyword_rank"] == 1
    assert nfc(russian) in nfc(hits[0]["text"])


def _empty_user_password(tag: str) -> bytes:
    data = encrypted(f"Public minutes of the open meeting, item {tag}.", user_password="")
    assert b"/Encrypt" in data
    return data


def _lost_cross_reference_table(tag: str) -> bytes:
    data = pages([f"This is page {n}, item {tag}. {FILLER}" for n in range(1, 4)])
    return data[: data.rfind(b"xref")]  # cut before the xref table and trailer: PDFium rebuilds them


#: PDFs that look broken or locked but read normally: the factory (given a tag) and their pages.
READABLE: dict[str, tuple[Callable[[str], bytes], int]] = {
    "empty-user-password": (_empty_user_password, 1),
    "truncated-before-xref": (_lost_cross_reference_table, 3),
}


@pytest.mark.parametrize("case", list(READABLE))
async def test_a_pdf_that_only_looks_unreadable_succeeds(
    case: str, live: Worker, client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    make, page_count = READABLE[case]
    tag = uuid.uuid4().hex[:8]
    key = f"hostile:{case}:{tag}"
    job = await process(client, make(tag), key)
    assert job["state"] == "succeeded", job
    assert job["result"]["pages"] == page_count
    assert f"item {tag}." in stored_text(sync_engine, key)


def process_state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


async def test_the_worker_outlives_every_hostile_pdf_and_still_works(
    live: Worker, client: httpx.AsyncClient
) -> None:
    tag = uuid.uuid4().hex[:8]
    # All at once: back to back in the same child, as a burst of bad uploads would arrive.
    accepted = [await upload(client, make(), f"burst:{case}:{tag}") for case, (make, _) in HOSTILE.items()]
    jobs = await asyncio.gather(*(wait_for(client, a["status_url"]) for a in accepted))
    outcomes = [(*outcome(job), job["attempts"]) for job in jobs]
    assert outcomes == [("failed", code, 1) for _, code in HOSTILE.values()]

    os.kill(live.pid, 0)  # raises if the worker's main process is gone
    assert process_state(live.pid) not in ("Z", "X")  # and it is no zombie awaiting its reaper (us)
    after = await submit_text(client, f"after:{tag}", f"# After\n\nThe worker still indexes notes {tag}.")
    assert after["state"] == "succeeded", after
    assert after["result"]["chunks"] == 1
