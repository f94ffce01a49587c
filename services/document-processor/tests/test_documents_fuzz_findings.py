"""Requests the schema fuzzing (tests/fuzz) once answered with 500, replayed: each must be a 4xx or,
for control characters in text to index, accepted with those characters stripped."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from conftest import auth_headers
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portfolio_documents.models import ProcessingJob

AUTH = auth_headers("core")
#: The control characters the processor drops (tab, newline, carriage return and form feed stay;
#: the ones that separate words become a space: portfolio_shared.text).
STRIPPED = "".join(
    chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0x85), *range(0x86, 0xA0)]
)
#: The control characters that separate words: each becomes a space.
SEPARATORS = "\x0b\x1c\x1d\x1e\x1f\x85"


def stored_source(engine: Engine, job_id: str) -> dict[str, object]:
    with Session(engine) as session:
        job = session.execute(select(ProcessingJob).where(ProcessingJob.id == uuid.UUID(job_id))).scalar_one()
        return dict(job.source)


@pytest.mark.parametrize("page", ["82293969931884789760", "9223372036854775807", "1000001"])
async def test_a_page_past_any_history_is_422_not_500(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get("/jobs", params={"page": page}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("source", ["", "\x00", "podcast"])
async def test_an_unknown_source_filter_is_422(client: httpx.AsyncClient, source: str) -> None:
    response = await client.get("/jobs", params={"source": source}, headers=AUTH)
    assert response.status_code == 422, response.text


async def test_control_characters_in_text_title_and_metadata_are_stripped(
    client: httpx.AsyncClient, sync_engine: Engine
) -> None:
    key = f"fuzz:{uuid.uuid4().hex}"
    body = {
        "document_key": key,
        "title": f"Ti{STRIPPED}tle{SEPARATORS[0]}two",
        "text": f"Body\x00 with\ta\nfew\x0cpages\r{STRIPPED}.",
        "metadata": {f"ki{STRIPPED}nd": f"no{STRIPPED}te", "sep": f"a{SEPARATORS}b", "n": 1},
    }
    response = await client.post("/process/text", json=body, headers=AUTH)
    assert response.status_code == 202, response.text
    source = stored_source(sync_engine, response.json()["job_id"])
    assert source["title"] == "Title two"
    assert source["text"] == "Body with\ta\nfew\x0cpages\r."
    assert source["metadata"] == {"kind": "note", "sep": "a      b", "n": 1}


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "\x00\x01"},
        {"text": " \x00 "},
        {"metadata": {"\x00": "value"}},
        {"document_key": "key\x00"},
    ],
    ids=["title", "text", "metadata-key", "document-key"],
)
async def test_what_is_empty_without_its_control_characters_or_a_key_with_one_is_422(
    client: httpx.AsyncClient, fields: dict[str, object]
) -> None:
    body = {"document_key": f"fuzz:{uuid.uuid4().hex}", "title": "t", "text": "x", **fields}
    response = await client.post("/process/text", json=body, headers=AUTH)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("field", ["title", "text", "metadata-key", "metadata-value"])
async def test_a_lone_surrogate_is_422(client: httpx.AsyncClient, field: str) -> None:
    body: dict[str, object] = {"document_key": f"fuzz:{uuid.uuid4().hex}", "title": "t", "text": "x"}
    if field.startswith("metadata"):
        body["metadata"] = {"\ud800": "v"} if field == "metadata-key" else {"k": "\udfff"}
    else:
        body[field] = "a\ud800b"
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as its \u escape
    response = await client.post(
        "/process/text", content=raw, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_a_document_key_with_a_control_character_in_the_path_is_422(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(method, "/documents/key%00x", headers=AUTH)
    assert response.status_code == 422, response.text


async def test_control_characters_in_a_search_are_stripped(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/search", json={"query": "retrieval\x00", "filters": {"kind\x01": "note\x00"}}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["query"] == "retrieval"
