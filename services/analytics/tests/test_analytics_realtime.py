"""Socket.IO over a real uvicorn process: a client connects at /ws/realtime over websocket, and a
message published through Redis by another process reaches it (the multi-worker path)."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio


async def test_socketio_client_connects_and_receives_redis_broadcasts(analytics_server: Any) -> None:
    received: asyncio.Queue[Any] = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("visitors", received.put_nowait)
    await client.connect(analytics_server.url, socketio_path="/ws/realtime", transports=["websocket"])
    try:
        assert client.connected
        assert client.sid
        # Another process (a second worker, a job) emits through Redis with a write-only manager.
        publisher = socketio.AsyncRedisManager(
            analytics_server.redis_url, channel=analytics_server.channel, write_only=True
        )
        payload = {"activeUsers": 3}
        # The server subscribes to the channel when its first client connects; retry until it listens.
        for _ in range(50):
            await publisher.emit("visitors", payload, namespace="/")
            try:
                assert await asyncio.wait_for(received.get(), timeout=0.5) == payload
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the broadcast published through Redis never arrived")
    finally:
        await client.disconnect()
