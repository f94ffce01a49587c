"""The visitor's address behind a known number of reverse proxies.

``X-Forwarded-For`` is written by the client first and then appended to by every proxy on the way,
so only its last ``trusted_proxies`` entries can be believed: the entry that many places from the
right is the address the first trusted proxy saw. Anything left of it may be forged by the client,
which is why the leftmost entry is never used. With no trusted proxy the peer address is the client.
"""

from __future__ import annotations

import ipaddress

UNKNOWN = "unknown"


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
