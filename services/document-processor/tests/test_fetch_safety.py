"""Safe fetching: SSRF refusals, pinned connections (DNS rebinding), redirects, size and type limits.

Nothing here leaves the machine. Names that must look public resolve through an injected resolver
to a public address, and an injected connector records the address the client dialled, then
connects to the local fake server instead, so pinning is observed without any real traffic.
"""

from __future__ import annotations

import datetime
import gzip
import ssl
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpcore
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_upstream import FakeUpstream, Reply, fake_upstream

from portfolio_documents.processing.content import FetchLimits, fetch
from portfolio_documents.processing.net import fetch as fetching
from portfolio_documents.processing.net.fetch import FetchError
from portfolio_documents.processing.net.guard import is_public_address, under_base
from portfolio_documents.processing.net.safe_http import precheck_url, safe_get
from portfolio_documents.processing.storage import LocalStorage

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PUBLIC_IP = "93.184.216.34"
OTHER_PUBLIC_IP = "93.184.216.35"
LIMIT = 64 * 1024


def fetch_pdf(url: str, **kwargs: Any) -> bytes:
    """The fetch under test with any port allowed (fake upstreams listen on free ports), unless the
    test passes ``allowed_ports`` itself."""
    kwargs.setdefault("allowed_ports", None)
    return fetching.fetch_pdf(url, **kwargs)


class FakeResolver:
    """Answers from a table; a host with several answers gives the next one on each call."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


class Dialler:
    """Records every (ip, port) the client dials, then connects to the local fake server."""

    def __init__(self, upstream: FakeUpstream | None = None) -> None:
        self.upstream = upstream
        self.dialled: list[tuple[str, int]] = []

    def __call__(self, ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
        self.dialled.append((ip, port))
        if self.upstream is None:
            raise AssertionError(f"the client dialled {ip}:{port}, which it must refuse first")
        return httpcore.SyncBackend().connect_tcp("127.0.0.1", self.upstream.port, timeout=timeout)


def refused(url: str, **kwargs: object) -> FetchError:
    dialler = kwargs.pop("connector", None) or Dialler()
    with pytest.raises(FetchError) as caught:
        fetch_pdf(url, max_bytes=LIMIT, allow_private=False, connector=dialler, **kwargs)  # type: ignore[arg-type]
    if isinstance(dialler, Dialler) and dialler.upstream is None:
        assert dialler.dialled == []
    return caught.value


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1",
        "::1", "::", "fd00::1", "fc00::5", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "fe80::1%eth0",
        "64:ff9b:1::a00:1", "64:ff9b:1:a9fe:a9:fe00::",  # local-use NAT64 (RFC 8215), any embedding
    ],
)  # fmt: skip
def test_non_public_addresses_are_recognised(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", PUBLIC_IP, "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/paper.pdf",
        "http://localhost/paper.pdf",
        "http://10.0.0.1/paper.pdf",
        "http://10.255.1.2:8080/paper.pdf",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/paper.pdf",
        "http://[::1]/paper.pdf",
        "http://[::ffff:169.254.169.254]/paper.pdf",
        "http://0.0.0.0/paper.pdf",
        "http://2130706433/paper.pdf",  # 127.0.0.1 as one number
    ],
)
def test_private_loopback_and_metadata_addresses_are_refused(url: str) -> None:
    error = refused(url)
    assert error.error_code == "url_not_allowed"
    assert error.status == 422


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://files.example.test/a.pdf", "gopher://x.example.test/", "data:,hello"],
)
def test_other_schemes_are_refused(url: str) -> None:
    assert refused(url).error_code == "url_not_allowed"


def test_a_hostname_resolving_to_a_private_address_is_refused() -> None:
    resolver = FakeResolver({"intranet.example.test": [["10.1.2.3"]]})
    error = refused("http://intranet.example.test/paper.pdf", resolver=resolver)
    assert error.error_code == "url_not_allowed"
    assert error.details["address"] == "10.1.2.3"


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    resolver = FakeResolver({"mixed.example.test": [[PUBLIC_IP, "169.254.169.254"]]})
    assert refused("http://mixed.example.test/a.pdf", resolver=resolver).error_code == "url_not_allowed"


def test_the_checked_address_is_the_one_dialled_so_dns_rebinding_fails() -> None:
    # The resolver answers public first, loopback afterwards: a client resolving twice would dial it.
    with fake_upstream({"/paper.pdf": Reply(body=PDF)}) as upstream:
        resolver = FakeResolver({"rebind.example.test": [[PUBLIC_IP], ["127.0.0.1"]]})
        dialler = Dialler(upstream)
        data = fetch_pdf(
            f"http://rebind.example.test:{upstream.port}/paper.pdf",
            max_bytes=LIMIT, allow_private=False, resolver=resolver, connector=dialler,
        )  # fmt: skip
    assert data == PDF
    assert dialler.dialled == [(PUBLIC_IP, upstream.port)]
    assert resolver.calls == ["rebind.example.test"]
    assert upstream.seen[0].headers["host"] == f"rebind.example.test:{upstream.port}"


def test_each_redirect_hop_is_resolved_and_checked_again() -> None:
    # Same host, second resolution now private: the redirect hop must be refused.
    with fake_upstream({"/a": Reply(302, headers={"Location": "/paper.pdf"})}) as upstream:
        resolver = FakeResolver({"rebind.example.test": [[PUBLIC_IP], ["10.0.0.8"]]})
        dialler = Dialler(upstream)
        error = refused(f"http://rebind.example.test:{upstream.port}/a", resolver=resolver, connector=dialler)
    assert error.error_code == "url_not_allowed"
    assert resolver.calls == ["rebind.example.test", "rebind.example.test"]
    assert upstream.paths() == ["/a"]


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.7/paper.pdf",
        "http://169.254.169.254/latest/",
        "http://[fd00::1]/x",
        "http://127.0.0.1:{port}/secret",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(location: str) -> None:
    with fake_upstream({}) as upstream:
        upstream.routes["/go"] = Reply(302, headers={"Location": location.format(port=upstream.port)})
        resolver = FakeResolver({"public.example.test": [[PUBLIC_IP]]})
        error = refused(
            f"http://public.example.test:{upstream.port}/go", resolver=resolver, connector=Dialler(upstream)
        )
    assert error.error_code == "url_not_allowed"
    assert upstream.paths() == ["/go"]  # the private target was never requested


def test_a_redirect_to_another_scheme_is_refused() -> None:
    with fake_upstream({"/go": Reply(301, headers={"Location": "file:///etc/passwd"})}) as upstream:
        resolver = FakeResolver({"public.example.test": [[PUBLIC_IP]]})
        error = refused(
            f"http://public.example.test:{upstream.port}/go", resolver=resolver, connector=Dialler(upstream)
        )
    assert error.error_code == "url_not_allowed"


def test_redirects_are_followed_up_to_five() -> None:
    routes: dict[str, Reply] = {f"/r{i}": Reply(302, headers={"Location": f"/r{i + 1}"}) for i in range(6)}
    routes["/r5"] = Reply(body=PDF)
    with fake_upstream(routes) as upstream:  # type: ignore[arg-type]
        assert fetch_pdf(f"{upstream.url}/r0", max_bytes=LIMIT, allow_private=True) == PDF
        routes["/r5"] = Reply(302, headers={"Location": "/r6"})
        with pytest.raises(FetchError) as caught:
            fetch_pdf(f"{upstream.url}/r0", max_bytes=LIMIT, allow_private=True)
    assert caught.value.error_code == "fetch_failed"
    assert caught.value.details["max_redirects"] == 5


def test_allow_private_lifts_only_the_address_check() -> None:
    with fake_upstream({"/paper.pdf": Reply(body=PDF), "/page": Reply(body=b"<html>")}) as upstream:
        assert fetch_pdf(f"{upstream.url}/paper.pdf", max_bytes=LIMIT, allow_private=True) == PDF
        for url, code in [
            (f"{upstream.url}/page", "not_a_pdf"),
            (f"{upstream.url}/missing.pdf", "not_found"),
            ("file:///etc/passwd", "url_not_allowed"),
        ]:
            with pytest.raises(FetchError) as caught:
                fetch_pdf(url, max_bytes=LIMIT, allow_private=True)
            assert caught.value.error_code == code
        assert upstream.seen[0].headers["accept-encoding"] == "identity"


def test_too_large_by_content_length_is_refused_before_the_body() -> None:
    body = PDF + b"x" * (LIMIT * 4)
    with fake_upstream({"/big.pdf": Reply(body=body)}) as upstream, pytest.raises(FetchError) as caught:
        fetch_pdf(f"{upstream.url}/big.pdf", max_bytes=LIMIT, allow_private=True)
    assert caught.value.error_code == "too_large"
    assert caught.value.details["content_length"] == len(body)


def test_too_large_while_streaming_without_content_length() -> None:
    chunks = [PDF] + [b"x" * 8192] * 64  # chunked: nothing announces the size
    with (
        fake_upstream({"/big.pdf": Reply(body=chunks, content_length=False)}) as upstream,
        pytest.raises(FetchError) as caught,
    ):
        fetch_pdf(f"{upstream.url}/big.pdf", max_bytes=LIMIT, allow_private=True)
    assert caught.value.error_code == "too_large"
    assert "content_length" not in caught.value.details


def test_a_lying_content_length_does_not_lift_the_limit() -> None:
    chunks = [PDF] + [b"x" * 8192] * 64
    reply = Reply(body=chunks, content_length=False, headers={"Content-Length": "100"})
    with fake_upstream({"/big.pdf": reply}) as upstream, pytest.raises(FetchError) as caught:
        fetch_pdf(f"{upstream.url}/big.pdf", max_bytes=LIMIT, allow_private=True)
    assert caught.value.error_code in ("too_large", "fetch_failed")


def test_a_compressed_body_is_bounded_after_decompression() -> None:
    bomb = gzip.compress(PDF + b"\0" * (50 * 1024 * 1024))  # ~50 KB on the wire
    reply = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    with fake_upstream(
        {"/bomb.pdf": reply, "/ok.pdf": Reply(body=gzip.compress(PDF), headers=reply.headers)}
    ) as up:
        assert fetch_pdf(f"{up.url}/ok.pdf", max_bytes=LIMIT, allow_private=True) == PDF
        with pytest.raises(FetchError) as caught:
            fetch_pdf(f"{up.url}/bomb.pdf", max_bytes=LIMIT, allow_private=True)
    assert len(bomb) < LIMIT
    assert caught.value.error_code == "too_large"


def test_not_a_pdf_is_refused() -> None:
    html = b"<!doctype html><title>Sign in</title>" + b" " * 4096
    with fake_upstream({"/paper.pdf": Reply(body=html)}) as upstream, pytest.raises(FetchError) as caught:
        fetch_pdf(f"{upstream.url}/paper.pdf", max_bytes=LIMIT, allow_private=True)
    assert caught.value.error_code == "not_a_pdf"


def test_a_slow_server_times_out() -> None:
    with (
        fake_upstream({"/slow.pdf": Reply(body=PDF, delay=3)}) as upstream,
        pytest.raises(FetchError) as caught,
    ):
        fetch_pdf(f"{upstream.url}/slow.pdf", max_bytes=LIMIT, allow_private=True, timeout=0.5)
    assert caught.value.error_code == "fetch_timeout"
    assert caught.value.status == 504


def test_a_server_error_is_an_upstream_failure() -> None:
    with fake_upstream({"/paper.pdf": Reply(503, b"busy")}) as upstream, pytest.raises(FetchError) as caught:
        fetch_pdf(f"{upstream.url}/paper.pdf", max_bytes=LIMIT, allow_private=True)
    assert (caught.value.error_code, caught.value.status, caught.value.details["status"]) == (
        "fetch_failed", 502, 503,
    )  # fmt: skip


# --- Ports: 80 and 443 unless configured otherwise, on every hop -----------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://files.example.test:6379/a.pdf", "https://files.example.test:22/a.pdf", "http://[fd00::1]:25/"],
)
def test_other_ports_are_refused_before_any_lookup(url: str) -> None:
    resolver = FakeResolver({"files.example.test": [[PUBLIC_IP]]})
    error = refused(url, resolver=resolver, allowed_ports=fetching.DEFAULT_ALLOWED_PORTS)
    assert (error.error_code, error.status) == ("url_not_allowed", 422)
    assert error.details["allowed_ports"] == [80, 443]
    assert resolver.calls == []
    with pytest.raises(FetchError) as caught:
        precheck_url(url, allow_private=True)  # the API's intake: the port, whatever the address
    assert caught.value.details["port"] == error.details["port"]


def test_the_default_ports_are_dialled_and_a_redirect_to_another_port_is_refused() -> None:
    with fake_upstream({"/paper.pdf": Reply(body=PDF)}) as upstream:
        upstream.routes["/go"] = Reply(302, headers={"Location": "http://files.example.test:6379/paper.pdf"})
        resolver = FakeResolver({"files.example.test": [[PUBLIC_IP]]})
        dialler = Dialler(upstream)  # dials port 80 or 443 as asked, reaches the fake server instead
        ports = fetching.DEFAULT_ALLOWED_PORTS
        common: dict[str, Any] = {"resolver": resolver, "connector": dialler, "allowed_ports": ports}
        assert fetch_pdf(
            "http://files.example.test/paper.pdf", **common, max_bytes=LIMIT, allow_private=False
        )
        error = refused("http://files.example.test/go", **common)
    assert dialler.dialled == [(PUBLIC_IP, 80), (PUBLIC_IP, 80)]
    assert error.error_code == "url_not_allowed" and error.details["port"] == 6379
    assert upstream.paths() == ["/paper.pdf", "/go"]  # the hop to port 6379 was never made


def test_configured_ports_are_allowed() -> None:
    with fake_upstream({"/paper.pdf": Reply(body=PDF)}) as upstream:
        url = f"{upstream.url}/paper.pdf"
        assert fetch_pdf(url, max_bytes=LIMIT, allow_private=True, allowed_ports={upstream.port}) == PDF
        with pytest.raises(FetchError) as caught:
            fetch_pdf(url, max_bytes=LIMIT, allow_private=True, allowed_ports={upstream.port + 1})
    assert caught.value.error_code == "url_not_allowed"
    assert upstream.paths() == ["/paper.pdf"]


# --- DNS counts against the fetch's deadline ------------------------------------------------------


class HangingResolver:
    """A resolver that answers only once released: a DNS server that never replies."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.release.wait(30)
        return [PUBLIC_IP]


@pytest.mark.parametrize("limits", [{"timeout": 0.3}, {"timeout": 20, "total_timeout": 0.3}])
def test_a_resolver_that_never_answers_costs_the_fetch_its_deadline(limits: dict[str, float]) -> None:
    resolver = HangingResolver()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            safe_get(
                "http://slow-dns.example.test/a.pdf", max_bytes=LIMIT, allow_private=False,
                resolver=resolver, connector=Dialler(), **limits,
            )  # fmt: skip
    finally:
        resolver.release.set()
    assert time.monotonic() - started < 2
    assert (caught.value.error_code, caught.value.status) == ("fetch_timeout", 504)


# --- HTTPS: the pinned IP is dialled, while SNI and the certificate check use the name -------------


def _certificates(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A throwaway CA and a certificate for ``name``: (server context, client context trusting the CA)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    client = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    return server, client


def test_https_dials_the_pinned_ip_and_verifies_the_certificate_for_the_name(tmp_path: Path) -> None:
    server_context, client_context = _certificates(tmp_path, "files.example.test")
    with fake_upstream({"/paper.pdf": Reply(body=PDF)}, ssl_context=server_context) as upstream:
        resolver = FakeResolver(
            {"files.example.test": [[PUBLIC_IP]], "impostor.example.test": [[OTHER_PUBLIC_IP]]}
        )
        dialler = Dialler(upstream)
        common = {"max_bytes": LIMIT, "allow_private": False, "resolver": resolver, "connector": dialler}
        data = fetch_pdf(
            f"https://files.example.test:{upstream.port}/paper.pdf", ssl_context=client_context, **common
        )  # type: ignore[arg-type]
        assert data == PDF
        # The same server under another name: the certificate does not match that name.
        with pytest.raises(FetchError) as caught:
            fetch_pdf(
                f"https://impostor.example.test:{upstream.port}/paper.pdf",
                ssl_context=client_context,
                **common,  # type: ignore[arg-type]
            )
    assert caught.value.error_code == "fetch_failed"
    assert "certificate" in caught.value.message.lower()
    assert dialler.dialled == [(PUBLIC_IP, upstream.port), (OTHER_PUBLIC_IP, upstream.port)]


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("http://127.0.0.1:8000/media/profile/cv.pdf", True),
        ("http://127.0.0.1:8000/", True),
        ("http://127.0.0.1:8001/media/profile/cv.pdf", False),  # another port
        ("https://127.0.0.1:8000/media/cv.pdf", False),  # another scheme
        ("http://127.0.0.2:8000/media/cv.pdf", False),  # another host
        ("http://u:p@127.0.0.1:8000/media/cv.pdf", False),  # credentials
        ("http://127.0.0.1:8000@evil.example/media/cv.pdf", False),  # the base as userinfo
        ("http://127.0.0.1:x/media/cv.pdf", False),
    ],
)
def test_a_url_is_under_the_trusted_base_only_at_its_origin(url: str, trusted: bool) -> None:
    assert under_base(url, "http://127.0.0.1:8000") is trusted
    assert under_base(url, None) is False


def test_a_base_with_a_path_trusts_only_below_it() -> None:
    base = "https://core.example.org/backend/"
    assert under_base("https://core.example.org/backend/media/cv.pdf", base)
    assert not under_base("https://core.example.org/backendx/cv.pdf", base)
    assert not under_base("https://core.example.org/media/cv.pdf", base)


@pytest.mark.parametrize(
    "path",
    [
        "/media/../admin/cv.pdf",  # the fetcher (httpx) removes the dot segments: GET /admin/cv.pdf
        "/media/./../api/cv.pdf",
        "/media/%2e%2e/admin/cv.pdf",  # encoded: a server that decodes first climbs out too
        "/media/x/..%2f..%2fadmin",
        "/media/..\\admin/cv.pdf",
    ],
)
def test_dot_segments_never_climb_out_of_the_trusted_base(path: str) -> None:
    assert not under_base(f"http://127.0.0.1:8000{path}", "http://127.0.0.1:8000/media")


def test_a_dot_segment_url_under_the_trusted_base_is_not_fetched_at_a_private_address(tmp_path: Path) -> None:
    # Core's other paths (its admin, its API) are not its media: "/media/../secret.pdf" reaches
    # /secret.pdf, so it gets no trust and is refused like any private address.
    with fake_upstream({"/secret.pdf": Reply(body=PDF)}) as core:
        source = {"type": "pdf", "url": f"{core.url}/media/../secret.pdf"}
        with pytest.raises(FetchError) as caught:
            fetch(source, LocalStorage(tmp_path), limits(f"{core.url}/media"))
        assert caught.value.error_code == "url_not_allowed"


def limits(trusted_base: str | None) -> FetchLimits:
    return FetchLimits(
        max_bytes=LIMIT,
        max_pages=10,
        allow_private=False,
        allowed_ports=frozenset({80, 443}),
        github_api_url="https://api.github.invalid",
        trusted_base=trusted_base,
    )


def test_core_s_media_under_the_trusted_base_is_fetched_at_a_private_address_without_redirects(
    tmp_path: Path,
) -> None:
    routes = {
        "/media/cv.pdf": Reply(body=PDF),
        "/media/moved.pdf": Reply(status=302, headers={"Location": "/media/cv.pdf"}),
    }
    with fake_upstream(routes) as core:
        storage = LocalStorage(tmp_path)
        source = {"type": "pdf", "url": f"{core.url}/media/cv.pdf"}
        assert fetch(source, storage, limits(core.url)).pdf == PDF
        # The same URL without the trust: a private address on a port not allowed.
        with pytest.raises(FetchError) as caught:
            fetch(source, storage, limits(None))
        assert caught.value.error_code == "url_not_allowed"
        # A redirect, even to the base itself, is not followed.
        with pytest.raises(FetchError) as caught:
            fetch({"type": "pdf", "url": f"{core.url}/media/moved.pdf"}, storage, limits(core.url))
        assert caught.value.error_code == "fetch_failed"
