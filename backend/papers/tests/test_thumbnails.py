"""Paper thumbnails proxied by core from a fake upstream over HTTP: served, stored, guarded."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from core_lib.testing import Received, Reply, StandIn, stand_in
from papers import thumbnails
from papers.models import Thumbnail
from papers.tests.conftest import payload, store

pytestmark = pytest.mark.django_db


def png(width: int = 2, height: int = 1) -> bytes:
    """A valid PNG of ``width`` x ``height`` grey pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


IMAGE = png()


def route(request: Received) -> Reply:
    name = request.path.rsplit("/", 1)[-1]
    if name == "ok.png":
        return Reply(body=IMAGE, headers={"Content-Type": "image/png"})
    if name == "html.png":  # says it is an image, is not
        return Reply(body=b"<html><script>alert(1)</script></html>", headers={"Content-Type": "image/png"})
    if name == "huge.png":
        return Reply(body=IMAGE + b"\x00" * (thumbnails.MAX_BYTES + 1), headers={"Content-Type": "image/png"})
    if name == "moved.png":
        return Reply(status=302, body=b"", headers={"Location": "http://127.0.0.1:9/secret"})
    return Reply(status=404, body={"error": "not found"})


@pytest.fixture
def upstream(settings: Any) -> Iterator[StandIn]:
    with stand_in(route) as server:
        settings.THUMBNAIL_UPSTREAM_URL = f"{server.url}/social-thumbnails/"
        settings.OUTBOUND_ALLOW_PRIVATE = True  # the fake listens on 127.0.0.1
        yield server


@pytest.fixture(autouse=True)
def _no_remembered_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test's URLs are new (a new port), but keep misses from leaking through Redis regardless.
    monkeypatch.setattr(thumbnails, "MISS_SECONDS", 1)


def with_thumbnail(arxiv_id: str, url: str | None) -> None:
    store(payload(arxiv_id, thumbnail=url) if url else payload(arxiv_id))


def test_the_image_is_fetched_once_then_served_by_core(api: APIClient, upstream: StandIn) -> None:
    with_thumbnail("2401.00001", f"{upstream.url}/social-thumbnails/papers/ok.png")
    listed = api.get("/api/papers/").json()["results"][0]
    assert listed["thumbnail"] == "/api/papers/2401.00001/thumbnail/"  # core's path, never the upstream's
    assert api.get("/api/papers/2401.00001/").json()["thumbnail"] == listed["thumbnail"]
    for _ in range(3):
        response = api.get(listed["thumbnail"], HTTP_ACCEPT="image/avif,image/webp,image/*,*/*;q=0.8")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response.content == IMAGE
        assert "max-age=" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert upstream.paths() == ["/social-thumbnails/papers/ok.png"]  # stored after the first request
    assert Thumbnail.objects.get().data == IMAGE
    again = api.get(listed["thumbnail"], HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_paper_without_a_thumbnail_has_none(api: APIClient, upstream: StandIn) -> None:
    with_thumbnail("2401.00001", None)
    assert api.get("/api/papers/2401.00001/").json()["thumbnail"] is None
    response = api.get("/api/papers/2401.00001/thumbnail/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "thumbnail_not_found"
    assert api.get("/api/papers/2401.99999/thumbnail/").status_code == 404
    assert upstream.requests == []


@pytest.mark.parametrize(
    "path",
    [
        "papers/html.png",  # not an image whatever its content type says
        "papers/huge.png",  # over the size limit
        "papers/moved.png",  # redirects are not followed
        "papers/gone.png",  # upstream 404
    ],
)
def test_what_is_not_a_small_image_is_not_served(api: APIClient, upstream: StandIn, path: str) -> None:
    with_thumbnail("2401.00001", f"{upstream.url}/social-thumbnails/{path}")
    assert api.get("/api/papers/2401.00001/thumbnail/").status_code == 404
    assert not Thumbnail.objects.exists()
    assert len(upstream.requests) == 1  # never the redirect's target
    api.get("/api/papers/2401.00001/thumbnail/")
    assert len(upstream.requests) == 1  # the miss is remembered for a while


def test_urls_outside_the_allowed_base_are_never_fetched(api: APIClient, upstream: StandIn) -> None:
    base = f"{upstream.url}/social-thumbnails/"
    outside = [
        f"{upstream.url}/elsewhere/ok.png",
        f"{upstream.url}/social-thumbnails/../elsewhere/ok.png",
        f"{upstream.url}/social-thumbnailsX/ok.png",
        base.replace("http://", "http://user@") + "ok.png",
        base.replace("http://", "https://") + "ok.png",
        "http://127.0.0.2:1/social-thumbnails/ok.png",
    ]
    for n, url in enumerate(outside, start=1):
        assert not thumbnails.allowed(url), url
        with_thumbnail(f"2401.{n:05d}", url)
        assert api.get(f"/api/papers/2401.{n:05d}/thumbnail/").status_code == 404
    assert upstream.requests == []
    assert thumbnails.allowed(base + "papers/ok.png")


def test_a_private_address_is_refused_unless_allowed(
    api: APIClient, upstream: StandIn, settings: Any
) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with_thumbnail("2401.00001", f"{upstream.url}/social-thumbnails/papers/ok.png")
    assert api.get("/api/papers/2401.00001/thumbnail/").status_code == 404
    assert upstream.requests == []


def test_image_types_are_recognised_by_their_bytes() -> None:
    assert thumbnails.image_type(IMAGE) == "image/png"
    assert thumbnails.image_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert thumbnails.image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert thumbnails.image_type(b"GIF89a...") == "image/gif"
    assert thumbnails.image_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
