"""One outbound GET that cannot be turned against us: checked addresses, pinned connections,
redirects followed by hand (each hop checked again), allowed ports only, bounded size and time.

:func:`safe_get` is the only way the document processor reaches a URL it was given. It speaks
``httpcore`` directly so that the network backend (:class:`~.netguard.PinnedBackend`) is ours, sends
``Accept-Encoding: identity`` and bounds any compressed body it gets anyway (a gzip bomb in
transit), and never reads proxy settings from the environment (a proxy would dial the name again).
"""

from __future__ import annotations

import functools
import ssl
import time
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpcore
import httpx

from portfolio_documents.processing.net.guard import (
    AddressRefused,
    Connector,
    PinnedBackend,
    ResolutionFailed,
    ResolutionTimeout,
    Resolver,
    checked_addresses,
    obviously_private,
)
from portfolio_shared.errors import PortfolioError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
#: The ports a fetch may dial unless configured otherwise (``OUTBOUND_ALLOWED_PORTS``); ``None``
#: stands for any port (local runs and tests, whose upstreams listen on free ports).
DEFAULT_ALLOWED_PORTS: frozenset[int] = frozenset(DEFAULT_PORTS.values())
#: Redirects a fetch follows at most (each hop checked again).
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "portfolio-documents/0.1 (+document processor)"
# The PDF header may follow a little leading junk; PDF readers look for it in the first KiB.
MAGIC_WINDOW = 1024


class FetchError(PortfolioError):
    """A fetch that failed upstream (``fetch_failed``, 502). Subclasses carry the other codes:

    ======================  ======  ==========================================================
    code                    status  meaning
    ======================  ======  ==========================================================
    url_not_allowed         422     not http(s), credentials in the URL, a port not allowed, or a
                                    non-public address
    invalid_repo            422     not ``owner/name`` nor a GitHub repository URL
    not_found               422     the URL or repository does not exist (404/410 upstream)
    too_large               422     larger than the limit (``Content-Length`` or while streaming)
    not_a_pdf               422     the body does not start with ``%PDF-``
    fetch_failed            502     connection error, bad status, too many redirects
    fetch_timeout           504     DNS, connect or read timeout, or the overall deadline
    upstream_rate_limited   503     GitHub's rate limit; ``Retry-After`` and the reset in details
    ======================  ======  ==========================================================
    """

    status: ClassVar[int] = 502
    code: ClassVar[str] = "fetch_failed"
    default_message: ClassVar[str] = "The resource could not be fetched."


class FetchRefused(FetchError):
    """The input is at fault: a URL we may not fetch, a bad repository name, a wrong resource."""

    status = 422
    code = "url_not_allowed"
    default_message = "This URL may not be fetched."


class FetchTimeout(FetchError):
    status = 504
    code = "fetch_timeout"
    default_message = "The upstream server did not answer in time."


class UpstreamRateLimited(FetchError):
    status = 503
    code = "upstream_rate_limited"
    default_message = "The upstream API rate limit is exhausted."


_CLASSES: dict[str, type[FetchError]] = {
    "url_not_allowed": FetchRefused,
    "invalid_repo": FetchRefused,
    "not_found": FetchRefused,
    "too_large": FetchRefused,
    "not_a_pdf": FetchRefused,
    "fetch_failed": FetchError,
    "fetch_timeout": FetchTimeout,
    "upstream_rate_limited": UpstreamRateLimited,
}


def fetch_error(
    code: str, message: str, *, headers: dict[str, str] | None = None, **details: Any
) -> FetchError:
    """The :class:`FetchError` subclass whose status fits ``code``."""
    return _CLASSES[code](message, code=code, details=details, headers=headers)


@dataclass(frozen=True)
class HttpResult:
    """The final response after redirects: its URL, status, headers (lower-case names), body."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~0.1 s; one context serves every fetch of the process.
    return httpx.create_ssl_context()


def parse_url(url: str) -> httpx.URL:
    """``url`` as an absolute http(s) URL with a host, or :class:`FetchRefused`."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise fetch_error("url_not_allowed", "The URL is not valid.", url=url) from exc
    if parsed.scheme not in DEFAULT_PORTS:
        raise fetch_error("url_not_allowed", "Only http and https URLs may be fetched.", scheme=parsed.scheme)
    if not parsed.host:
        raise fetch_error("url_not_allowed", "The URL has no host.", url=url)
    if parsed.userinfo:
        raise fetch_error("url_not_allowed", "URLs with credentials may not be fetched.")
    return parsed


def check_port(url: httpx.URL, allowed_ports: Collection[int] | None) -> int:
    """The port ``url`` dials, or :class:`FetchRefused` when it is not in ``allowed_ports``
    (``None``: any port)."""
    port = url.port or DEFAULT_PORTS[url.scheme]
    if allowed_ports is not None and port not in allowed_ports:
        raise fetch_error(
            "url_not_allowed",
            f"Port {port} may not be fetched.",
            port=port,
            allowed_ports=sorted(allowed_ports),
        )
    return port


def precheck_url(
    url: str, *, allow_private: bool, allowed_ports: Collection[int] | None = DEFAULT_ALLOWED_PORTS
) -> None:
    """Refuse, without any DNS lookup, a URL that :func:`safe_get` would refuse anyway: not http(s),
    credentials in it, a port not in ``allowed_ports``, or (unless ``allow_private``) a host that
    is a non-public IP literal or a ``localhost`` name (:func:`~.netguard.obviously_private`). For
    callers that answer a client at once (the API's intake). Passing proves nothing about a name:
    the fetch checks it again."""
    parsed = parse_url(url)
    check_port(parsed, allowed_ports)
    if allow_private:
        return
    host = parsed.raw_host.decode("ascii")
    address = obviously_private(host)
    if address is not None:
        raise fetch_error(
            "url_not_allowed", "The URL's host is not a public address.", host=host, address=address
        )


class _Body:
    """Collects a body up to ``limit`` bytes, decoding gzip/deflate in bounded steps."""

    def __init__(self, limit: int, encoding: str) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        if encoding in ("", "identity"):
            self._inflate: Any = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._inflate = zlib.decompressobj(47 if "gzip" in encoding else 15)
        else:
            raise fetch_error("fetch_failed", "Unsupported Content-Encoding.", content_encoding=encoding)

    def add(self, raw: bytes) -> None:
        if self._inflate is None:
            self._keep(raw)
            return
        pending = raw
        while pending:
            try:
                # max_length caps what one call may allocate, however well the input compresses.
                chunk = self._inflate.decompress(pending, self.limit - self.size + 1)
            except zlib.error as exc:
                raise fetch_error("fetch_failed", "The compressed body is corrupt.") from exc
            self._keep(chunk)
            pending = self._inflate.unconsumed_tail

    def _keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise fetch_error("too_large", "The response is larger than the limit.", max_bytes=self.limit)
        self.parts.append(chunk)

    def value(self) -> bytes:
        return b"".join(self.parts)


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _check_magic(body: bytes, magic: bytes) -> None:
    if magic not in body[: MAGIC_WINDOW + len(magic)]:
        raise fetch_error("not_a_pdf", "The resource is not a PDF (no %PDF- header).")


def safe_get(
    url: str,
    *,
    max_bytes: int,
    allow_private: bool,
    allowed_ports: Collection[int] | None = DEFAULT_ALLOWED_PORTS,
    timeout: float = 20.0,
    total_timeout: float | None = None,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    magic: bytes | None = None,
    resolver: Resolver | None = None,
    connector: Connector | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> HttpResult:
    """GET ``url`` safely and return the final response (any status; the caller judges it).

    Every hop's port must be in ``allowed_ports`` (``None``: any) and its host is resolved and
    checked (:func:`~.netguard.checked_addresses`; ``allow_private`` lifts only that check), and
    the connection pinned to the checked addresses. At most ``max_redirects`` redirects are
    followed, ``Authorization`` only to the same origin. The body may not exceed ``max_bytes``
    (``Content-Length`` refused up front, the stream counted). ``timeout`` bounds resolving,
    connecting and each read; ``total_timeout`` (default ``6 * timeout``) the whole fetch, DNS
    included. ``magic``, when given, must appear at the start of a 2xx body (``not_a_pdf``).
    """
    deadline = time.monotonic() + (total_timeout if total_timeout is not None else 6 * timeout)
    context = ssl_context or _default_ssl_context()
    current = parse_url(url)
    request_headers = {"User-Agent": USER_AGENT, **(headers or {}), "Accept-Encoding": "identity"}
    for hop in range(max_redirects + 1):
        result = _get_once(
            current, request_headers, max_bytes, allow_private, allowed_ports, timeout, deadline, magic,
            resolver, connector, context,
        )  # fmt: skip
        if isinstance(result, HttpResult):
            return result
        if hop == max_redirects:
            break
        target = parse_url(str(current.join(result)))
        if (target.scheme, target.host, target.port) != (current.scheme, current.host, current.port):
            request_headers = {k: v for k, v in request_headers.items() if k.lower() != "authorization"}
        current = target
    raise fetch_error("fetch_failed", "Too many redirects.", max_redirects=max_redirects)


def _time_left(timeout: float, deadline: float) -> float:
    """The next step's time limit: ``timeout``, or less when the deadline is nearer; none left is
    ``fetch_timeout``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise fetch_error("fetch_timeout", "The fetch took longer than its deadline.")
    return min(timeout, remaining)


def _get_once(
    url: httpx.URL,
    headers: dict[str, str],
    max_bytes: int,
    allow_private: bool,
    allowed_ports: Collection[int] | None,
    timeout: float,
    deadline: float,
    magic: bytes | None,
    resolver: Resolver | None,
    connector: Connector | None,
    context: ssl.SSLContext,
) -> HttpResult | str:
    """One request: the final :class:`HttpResult`, or the ``Location`` of a redirect."""
    host = url.raw_host.decode("ascii").lower()
    port = check_port(url, allowed_ports)
    try:
        addresses = checked_addresses(
            host, port, allow_private=allow_private, resolver=resolver, timeout=_time_left(timeout, deadline)
        )
    except AddressRefused as exc:
        raise fetch_error(
            "url_not_allowed", "The URL's host is not a public address.", host=exc.host, address=exc.address
        ) from exc
    except ResolutionTimeout as exc:
        raise fetch_error("fetch_timeout", str(exc), host=host) from exc
    except ResolutionFailed as exc:
        raise fetch_error("fetch_failed", str(exc), host=host) from exc
    step = _time_left(timeout, deadline)
    backend = PinnedBackend({(host, port): addresses}, connector)
    target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
    sent = {**headers, "Host": url.netloc.decode("ascii")}
    extensions = {"timeout": {"connect": step, "read": step, "write": step, "pool": step}}
    try:
        with (
            httpcore.ConnectionPool(
                ssl_context=context, network_backend=backend, max_connections=1, retries=0
            ) as pool,
            pool.stream("GET", target, headers=list(sent.items()), extensions=extensions) as response,
        ):
            response_headers = _headers(response.headers)
            if response.status in REDIRECT_STATUSES:
                location = response_headers.get("location")
                if not location:
                    raise fetch_error("fetch_failed", "A redirect with no Location.", status=response.status)
                return location
            declared = response_headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise fetch_error(
                    "too_large", "The resource is larger than the limit.",
                    content_length=int(declared), max_bytes=max_bytes,
                )  # fmt: skip
            body = _Body(max_bytes, response_headers.get("content-encoding", "").strip().lower())
            checked = magic is None or not 200 <= response.status < 300
            for raw in response.iter_stream():
                body.add(raw)
                if time.monotonic() > deadline:
                    raise fetch_error("fetch_timeout", "The fetch took longer than its deadline.")
                if not checked and body.size >= MAGIC_WINDOW + len(magic or b""):
                    _check_magic(body.value(), magic or b"")  # fail early on an HTML page
                    checked = True
            data = body.value()
            if not checked:
                _check_magic(data, magic or b"")
            return HttpResult(url=str(url), status=response.status, headers=response_headers, body=data)
    except httpcore.TimeoutException as exc:
        raise fetch_error("fetch_timeout", "The upstream server did not answer in time.", host=host) from exc
    except httpcore.NetworkError as exc:
        raise fetch_error("fetch_failed", f"Could not reach {host}: {exc}", host=host) from exc
    except httpcore.ProtocolError as exc:
        raise fetch_error("fetch_failed", f"{host} answered with invalid HTTP: {exc}", host=host) from exc
    except httpcore.UnsupportedProtocol as exc:
        raise fetch_error("url_not_allowed", str(exc)) from exc
