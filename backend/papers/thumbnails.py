"""Paper thumbnails served by core, so visitors' browsers never contact a third party.

A paper's ``thumbnail`` is Hugging Face's image URL. The first request for it fetches the image from
the upstream, stores it in Postgres (:class:`papers.models.Thumbnail`) and serves it; later requests
read it from there. The fetch is guarded: only URLs under ``THUMBNAIL_UPSTREAM_URL`` (same scheme,
host and port, a path below its path, no user info, no ``..``), a host that resolves to public
addresses only (unless ``OUTBOUND_ALLOW_PRIVATE``), no redirects, a deadline, at most
:data:`MAX_BYTES`, and only PNG, JPEG, WebP or GIF whose bytes say so (the upstream's content type is
not trusted). A failed fetch is remembered for :data:`MISS_SECONDS` in the cache, so a broken image
does not make every page view call the upstream.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from papers.models import Thumbnail

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 5.0
MISS_SECONDS = 300
#: How long browsers and proxies may keep a served image.
BROWSER_CACHE_SECONDS = 86_400
#: Leading bytes of each image type served, and the type it is served as.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


class ThumbnailUnavailable(Exception):
    """The image could not be fetched or is not one we serve; the reason is for the log."""


@dataclass(frozen=True)
class Image:
    content_type: str
    data: bytes
    sha256: str


def image_type(data: bytes) -> str | None:
    """The content type ``data`` is, by its leading bytes; None when it is none we serve."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def allowed(url: str, base: str | None = None) -> bool:
    """True when ``url`` lies under the configured upstream base URL."""
    base_parts = urlsplit(base or settings.THUMBNAIL_UPSTREAM_URL)
    try:
        parts = urlsplit(url)
        port, base_port = parts.port, base_parts.port
    except ValueError:
        return False
    prefix = base_parts.path if base_parts.path.endswith("/") else base_parts.path + "/"
    return (
        parts.scheme == base_parts.scheme
        and parts.hostname == base_parts.hostname
        and port == base_port
        and parts.username is None
        and parts.password is None
        and parts.path.startswith(prefix)
        and ".." not in parts.path.split("/")
        and "\\" not in parts.path
    )


def _check_public(host: str, port: int) -> None:
    if settings.OUTBOUND_ALLOW_PRIVATE:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except OSError as exc:
        raise ThumbnailUnavailable(f"cannot resolve {host}: {exc}") from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise ThumbnailUnavailable(f"{host} resolves to a non-public address")


def fetch(url: str) -> Image:
    """The image at ``url`` from the upstream, checked as the module docstring says."""
    if not allowed(url):
        raise ThumbnailUnavailable("not under THUMBNAIL_UPSTREAM_URL")
    parts = urlsplit(url)
    _check_public(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    try:
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
            client.stream("GET", url, headers={"Accept": ", ".join(CONTENT_TYPES)}) as response,
        ):
            if response.status_code != 200:
                raise ThumbnailUnavailable(f"upstream answered {response.status_code}")
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > MAX_BYTES:
                raise ThumbnailUnavailable(f"too large ({declared} bytes)")
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_BYTES:
                    raise ThumbnailUnavailable(f"larger than {MAX_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise ThumbnailUnavailable(f"upstream unreachable: {type(exc).__name__}") from None
    kind = image_type(data)
    if kind is None:
        raise ThumbnailUnavailable("not a PNG, JPEG, WebP or GIF image")
    return Image(kind, data, hashlib.sha256(data).hexdigest())


def _miss_key(url: str) -> str:
    return f"papers:thumbnail-miss:{hashlib.sha256(url.encode()).hexdigest()}"


def thumbnail(url: str) -> Image | None:
    """The stored image of ``url``, fetched and stored first when needed; None when unavailable."""
    stored = Thumbnail.objects.filter(url=url).first()
    if stored is not None:
        return Image(stored.content_type, bytes(stored.data), stored.sha256)
    try:
        if cache.get(_miss_key(url)):
            return None
    except RedisError:
        logger.warning("thumbnail miss cache unavailable", exc_info=True)
    try:
        image = fetch(url)
    except ThumbnailUnavailable as exc:
        logger.warning("thumbnail unavailable", extra={"url": url, "reason": str(exc)})
        try:
            cache.set(_miss_key(url), 1, timeout=MISS_SECONDS)
        except RedisError:
            logger.warning("thumbnail miss cache unavailable", exc_info=True)
        return None
    Thumbnail.objects.update_or_create(
        url=url, defaults={"content_type": image.content_type, "data": image.data, "sha256": image.sha256}
    )
    return image
