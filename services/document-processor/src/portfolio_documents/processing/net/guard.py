"""Which addresses an outbound fetch may reach, and a network backend that connects only there.

A URL given by a client must not make the service connect to itself, to the cloud metadata
endpoint or into the private network (server-side request forgery). :func:`checked_addresses`
resolves the host once and refuses it if ANY of its addresses is not public. The connection is then
pinned to exactly those addresses: :class:`PinnedBackend` is the ``httpcore`` network backend of
the request, and its ``connect_tcp`` connects to the checked IPs instead of resolving the name
again, so a DNS answer that changes between the check and the connect (rebinding) is never used.
Resolution gets a time limit (the fetch's remaining deadline): a resolver that never answers costs
the fetch its deadline, not a worker its task.

Only the TCP connect is redirected: the URL keeps its host name, so the ``Host`` header, TLS SNI and
certificate verification all still use the name. That is why pinning lives in the network backend
rather than in a rewritten URL (``https://1.2.3.4/`` would break SNI and certificate checks).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port) -> IP strings``; the default asks the system resolver (getaddrinfo).
Resolver = Callable[[str, int], Sequence[str]]
#: ``(ip, port, connect timeout) -> stream``; tests inject one to see (and steer) what is dialled.
Connector = Callable[[str, int, float | None], httpcore.NetworkStream]

# Spelled out rather than trusting ``is_global`` alone, whose tables changed between 3.11 patch
# releases; the list is the IANA special-purpose registries' entries that are not the Internet.
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, includes the metadata endpoint 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes 255.255.255.255
        "::/128",
        "::1/128",
        "100::/64",
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): a gateway translates it to any IPv4, private too
        "2001::/23",  # IETF protocol assignments (Teredo, ...)
        "2001:db8::/32",
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
# IPv6 forms that carry an IPv4 address a gateway would dial: NAT64 and IPv4-compatible.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def under_base(url: str, base: str | None) -> bool:
    """Whether ``url`` lies under the configured ``base`` (core's public URL): the same scheme, host
    and port, no credentials, and its path below the base's. Such a URL is trusted to be fetched at a
    private address and on another port (without redirects): the operator configured it."""
    if not base:
        return False
    trusted, target = urlsplit(base), urlsplit(url)
    try:
        same_origin = (trusted.scheme, trusted.hostname, trusted.port) == (
            target.scheme,
            target.hostname,
            target.port,
        )
    except ValueError:  # a port that is not a number
        return False
    prefix = trusted.path.rstrip("/") + "/"
    # A dot segment, plain or encoded, would climb out of the base: the fetcher (httpx) removes
    # "/media/../admin" to "/admin", and a server may decode "%2e%2e" first. Never trusted.
    segments = unquote(target.path).replace("\\", "/").split("/")
    climbs = any(segment in {".", ".."} for segment in segments)
    return same_origin and target.username is None and not climbs and (target.path + "/").startswith(prefix)


class AddressRefused(Exception):
    """The host resolves to an address outside the public Internet."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}, which is not a public address")
        self.host = host
        self.address = address


class ResolutionFailed(Exception):
    """The host name does not resolve."""


class ResolutionTimeout(ResolutionFailed):
    """The resolver did not answer within the time left."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | IPAddress) -> bool:
    """Whether ``address`` is a global unicast address (IPv4-in-IPv6 forms judged by their IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(embedded):
            return False
        if ip.ipv4_mapped is not None:
            return True  # judged above by the IPv4 it maps to
    if any(ip.version == network.version and ip in network for network in _BLOCKED_NETWORKS):
        return False
    return ip.is_global and not ip.is_multicast


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host``, in its order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolutionFailed(f"{host} does not resolve: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


#: Names that mean this machine whatever a resolver answers (RFC 6761 reserves ``.localhost``).
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def obviously_private(host: str) -> str | None:
    """The non-public address ``host`` stands for, known without asking DNS, or None.

    Covers IP literals, the shorthand IPv4 spellings the system resolver reads as numbers (``127.1``,
    ``2130706433``, ``0x7f.1``: ``inet_aton``'s forms) and the ``localhost`` names. None says only
    that no DNS-free answer exists: a name must still be resolved and checked before connecting.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return "127.0.0.1"
    literal = _literal(name)
    if literal is None:
        try:
            literal = ipaddress.IPv4Address(socket.inet_aton(name))
        except (OSError, UnicodeError):
            return None
    return None if is_public_address(literal) else str(literal)


def resolve_within(resolver: Resolver, host: str, port: int, timeout: float | None) -> Sequence[str]:
    """``resolver(host, port)``, or :class:`ResolutionTimeout` once ``timeout`` seconds have passed.

    ``getaddrinfo`` cannot be interrupted, so the lookup runs in a daemon thread that is left to
    finish on its own (the system resolver gives up eventually); a new thread per lookup stays
    correct in forked worker children, where a pool created by the parent has no threads.
    """
    if timeout is None:
        return resolver(host, port)
    outcome: list[Sequence[str] | BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(resolver(host, port))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name=f"resolve {host}", daemon=True).start()
    if not done.wait(max(timeout, 0.0)):
        raise ResolutionTimeout(f"{host} did not resolve within {timeout:.1f} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def checked_addresses(
    host: str,
    port: int,
    *,
    allow_private: bool,
    resolver: Resolver | None = None,
    timeout: float | None = None,
) -> list[str]:
    """The addresses to connect to for ``host``: all of them public unless ``allow_private``.

    An IP literal is its own (only) address; a name is resolved once, here, within ``timeout``
    seconds (:func:`resolve_within`), and the caller must connect to the returned addresses only
    (see :class:`PinnedBackend`).
    """
    literal = _literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            answers = resolve_within(resolver or system_resolver, host, port, timeout)
            addresses = [a.split("%", 1)[0] for a in answers]
        except ResolutionFailed:
            raise
        except OSError as exc:
            raise ResolutionFailed(f"{host} does not resolve: {exc}") from exc
        if not addresses:
            raise ResolutionFailed(f"{host} has no address")
    for address in addresses:
        try:
            public = is_public_address(address)
        except ValueError as exc:
            raise ResolutionFailed(f"{host} resolved to {address!r}, not an IP address") from exc
        if not public and not allow_private:
            raise AddressRefused(host, address)
    return addresses


def _system_connector(ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
    return httpcore.SyncBackend().connect_tcp(ip, port, timeout=timeout)


class PinnedBackend(httpcore.NetworkBackend):
    """An ``httpcore`` network backend that dials only pre-checked IPs, never a name.

    ``pins`` maps ``(host, port)`` as the URL spells them to the addresses checked for them; a
    connection to anything else (a host the check never saw) is refused.
    """

    def __init__(
        self, pins: Mapping[tuple[str, int], Sequence[str]], connector: Connector | None = None
    ) -> None:
        self._pins = {(host.lower(), port): list(ips) for (host, port), ips in pins.items()}
        self._connector = connector or _system_connector

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._pins.get((host.lower(), port))
        if not addresses:
            raise httpcore.ConnectError(f"{host}:{port} was not checked before connecting")
        failure: Exception | None = None
        for ip in addresses:  # each was checked; try them in the resolver's order
            try:
                return self._connector(ip, port, timeout)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never dialled by outbound fetches")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
