"""The connect and read timeouts of every Redis client of the platform.

A Redis that is down refuses at once, but one that hangs (accepts connections, never answers) would
hold a request, a probe or a publish for as long as the client waits. Each call therefore gives up
after at most :data:`SOCKET_TIMEOUT_S`; callers degrade (a cache miss, a 503, a not-ready check).
"""

from __future__ import annotations

from typing import TypedDict

#: Seconds a Redis client waits to connect, and for each answer.
SOCKET_TIMEOUT_S = 1.0


class SocketTimeouts(TypedDict):
    socket_connect_timeout: float
    socket_timeout: float


def socket_timeouts(seconds: float = SOCKET_TIMEOUT_S) -> SocketTimeouts:
    """``redis-py`` keyword arguments: connect and read timeouts of at most :data:`SOCKET_TIMEOUT_S`."""
    bounded = min(seconds, SOCKET_TIMEOUT_S)
    return {"socket_connect_timeout": bounded, "socket_timeout": bounded}
