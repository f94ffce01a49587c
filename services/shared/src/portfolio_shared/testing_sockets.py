"""Network failures for tests: a port where nothing listens, and a server that accepts and never answers.

No pytest in here. A silent server is what a hung dependency looks like to a client (a Redis or an
HTTP peer that stopped answering): the TCP connection opens, then nothing comes back, so only the
client's own read timeout ends the wait::

    with silent_server() as (host, port):
        client = Redis(host=host, port=port, socket_timeout=1)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def closed_port() -> int:
    """A local port where nothing listens (it was free a moment ago): a dependency that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[tuple[str, int]]:
    """``(host, port)`` of a local server that accepts every connection and never sends a byte.

    On exit it closes its listening socket and every connection it accepted.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)  # held open, never read or written

    thread = threading.Thread(target=accept, name="silent-server", daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in accepted:
            conn.close()
