"""The visitor's address behind a known number of reverse proxies.

``X-Forwarded-For`` is written by the client first and then appended to by every proxy on the way,
so only its last ``trusted_proxies`` entries can be believed: the entry that many places from the
right is the address the first trusted proxy saw. Anything left of it may be forged by the client,
which is why the leftmost entry is never used. With no trusted proxy the peer address is the client.

Limits key on :func:`client_key`, not on the address: one IPv6 client usually holds a whole /64 and
could otherwise take a fresh budget with every address of it.
"""

from __future__ import annotations

import ipaddress

UNKNOWN = "unknown"
#: The IPv6 prefix one client is assumed to hold (a subscriber's usual /64).
IPV6_CLIENT_PREFIX = 64


def client_ip(peer: str | None, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The client address for a request whose TCP peer is ``peer``.

    ``forwarded_for`` is the raw ``X-Forwarded-For`` value (several headers joined by commas).
    Behind ``trusted_proxies`` proxies that each append one entry, the answer is the entry
    ``trusted_proxies`` places from the right; a header with fewer entries than that did not come
    through the proxies, and an entry that is no IP address is not believed: the peer is used then.
    """
    fallback = peer or UNKNOWN
    if trusted_proxies <= 0 or not forwarded_for:
        return fallback
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return fallback
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return fallback


def client_key(address: str) -> str:
    """The key a per-client limit counts ``address`` under (an answer of :func:`client_ip`).

    IPv4 stays as it is; IPv6 becomes its /64 network (``2001:db8:1:2::/64``), an IPv4-mapped IPv6
    address the IPv4 address it maps. Anything else (``unknown``) is returned unchanged.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)
