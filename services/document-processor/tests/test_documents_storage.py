"""The storage backends shared by the API and the worker: content-addressed names, atomic local
writes, and the GCS backend driven through the real google-cloud-storage client against a local
stand-in of the JSON API (the four calls the backend makes)."""

from __future__ import annotations

import email.parser
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import uvicorn
from conftest import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portfolio_documents.processing.storage import (
    GcsStorage,
    LocalStorage,
    StoredFileMissing,
    content_name,
    storage_from_settings,
)

PDF = b"%PDF-1.4\n% test bytes\n"


def test_local_storage_is_content_addressed_and_atomic(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    name = storage.put(PDF, suffix=".pdf")
    assert name == hashlib.sha256(PDF).hexdigest() + ".pdf" == content_name(PDF, ".pdf")
    assert storage.get(name) == PDF
    assert storage.put(PDF, suffix=".pdf") == name  # the same bytes, the same single file
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [storage.path(name)]  # no temporary file left behind
    assert storage.exists(name)
    assert storage.delete(name) is True
    assert storage.delete(name) is False
    with pytest.raises(StoredFileMissing):
        storage.get(name)


def test_local_storage_refuses_names_it_did_not_make(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for bad in ("../../etc/passwd", "abc.pdf", "0" * 64 + "/x"):
        with pytest.raises(ValueError):
            storage.get(bad)


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = LocalStorage(tmp_path)

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        storage.put(PDF, suffix=".pdf")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_settings_pick_the_backend(tmp_path: Path) -> None:
    assert isinstance(storage_from_settings(media_root=str(tmp_path), gcs_bucket=None), LocalStorage)


# -- GCS ----------------------------------------------------------------------------------------


def fake_gcs() -> Starlette:
    """The JSON API calls GcsStorage makes: multipart upload (create-only), media download,
    metadata get, delete."""
    objects: dict[tuple[str, str], bytes] = {}

    def resource(bucket: str, name: str) -> dict[str, str]:
        data = objects[(bucket, name)]
        return {"bucket": bucket, "name": name, "size": str(len(data)), "generation": "1"}

    async def upload(request: Request) -> Response:
        bucket = request.path_params["bucket"]
        body = await request.body()
        message = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + body
        )
        metadata_part, media_part = message.get_payload()  # type: ignore[misc]
        name = json.loads(metadata_part.get_payload())["name"]
        if request.query_params.get("ifGenerationMatch") == "0" and (bucket, name) in objects:
            return JSONResponse({"error": {"code": 412, "message": "precondition failed"}}, status_code=412)
        objects[(bucket, name)] = media_part.get_payload(decode=True)
        return JSONResponse(resource(bucket, name))

    async def download(request: Request) -> Response:
        key = (request.path_params["bucket"], unquote(request.path_params["name"]))
        if key not in objects:
            return JSONResponse({"error": {"code": 404, "message": "no such object"}}, status_code=404)
        return Response(objects[key], media_type="application/octet-stream")

    async def metadata(request: Request) -> Response:
        key = (request.path_params["bucket"], unquote(request.path_params["name"]))
        if key not in objects:
            return JSONResponse({"error": {"code": 404, "message": "no such object"}}, status_code=404)
        if request.method == "DELETE":
            del objects[key]
            return Response(status_code=204)
        return JSONResponse(resource(*key))

    return Starlette(
        routes=[
            Route("/upload/storage/v1/b/{bucket}/o", upload, methods=["POST"]),
            Route("/download/storage/v1/b/{bucket}/o/{name:path}", download),
            Route("/storage/v1/b/{bucket}/o/{name:path}", metadata, methods=["GET", "DELETE"]),
        ]
    )


@pytest.fixture(scope="module")
def gcs_endpoint() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake_gcs(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_gcs_storage_through_the_real_client(gcs_endpoint: str) -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    client = storage.Client(
        project="test", credentials=AnonymousCredentials(), client_options={"api_endpoint": gcs_endpoint}
    )
    gcs = GcsStorage("uploads-bucket", client=client)
    name = gcs.put(PDF, suffix=".pdf")
    assert name == content_name(PDF, ".pdf")
    assert gcs.put(PDF, suffix=".pdf") == name  # create-only: the second write is a no-op, not an error
    assert gcs.exists(name)
    assert gcs.get(name) == PDF
    assert gcs.delete(name) is True
    assert gcs.delete(name) is False
    assert not gcs.exists(name)
    with pytest.raises(StoredFileMissing):
        gcs.get(name)
