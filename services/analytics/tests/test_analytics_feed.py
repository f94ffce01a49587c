"""The realtime feed's coalescing: bursts become few pushes, nothing is lost below the cap, the
oldest events go first above it, a failing push does not stop the feed. (The Socket.IO side, with
a real client and a real server, is in test_analytics_realtime.py.)"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from typing import Any

from portfolio_analytics.realtime.feed import RealtimeFeed, public_event


class Recorder:
    """The feed's ``push``: keeps every payload and signals each arrival."""

    def __init__(self, *, fail_first: int = 0) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self.fail_first = fail_first

    async def __call__(self, payload: dict[str, Any]) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionError("the client manager is down")
        self.payloads.append(payload)
        self.arrived.set()

    def events(self) -> list[dict[str, Any]]:
        return [event for payload in self.payloads for event in payload["events"]]


async def snapshot() -> Mapping[str, Any]:
    return {"activeUsers": 2, "currentPages": [{"path": "/", "visitors": 2}]}


async def wait_for_events(recorder: Recorder, count: int) -> None:
    async with asyncio.timeout(10):
        while len(recorder.events()) < count:
            recorder.arrived.clear()
            await recorder.arrived.wait()


async def test_a_burst_is_one_push_carrying_every_event_and_the_snapshot() -> None:
    recorder = Recorder()
    feed = RealtimeFeed(push=recorder, snapshot=snapshot, interval=0.2)
    await feed.start()
    try:
        feed.notify([{"type": "pageview", "path": f"/p/{n}", "visitor": "v"} for n in range(30)])
        await wait_for_events(recorder, 30)
    finally:
        await feed.stop()
    assert len(recorder.payloads) == 1
    payload = recorder.payloads[0]
    assert payload["activeUsers"] == 2
    assert payload["currentPages"] == [{"path": "/", "visitors": 2}]
    assert [e["path"] for e in payload["events"]] == [f"/p/{n}" for n in range(30)]
    assert payload["dropped"] == 0
    assert isinstance(payload["sentAt"], int)


async def test_a_steady_stream_is_throttled_to_one_push_per_interval_and_loses_nothing() -> None:
    recorder = Recorder()
    interval = 0.1
    feed = RealtimeFeed(push=recorder, snapshot=snapshot, interval=interval)
    await feed.start()
    started = time.monotonic()
    try:
        for n in range(200):
            feed.notify([{"type": "click", "target": str(n)}])
            await asyncio.sleep(0.002)
        await wait_for_events(recorder, 200)
    finally:
        await feed.stop()
    elapsed = time.monotonic() - started
    # Throttling can only be violated by pushing too often; a slow machine pushes less, never more.
    assert len(recorder.payloads) <= elapsed / interval + 1
    assert len(recorder.payloads) < 200
    assert [e["target"] for e in recorder.events()] == [str(n) for n in range(200)]


async def test_above_the_cap_the_oldest_events_are_dropped_and_counted() -> None:
    recorder = Recorder()
    feed = RealtimeFeed(push=recorder, snapshot=snapshot, interval=0.2, max_events=10)
    await feed.start()
    try:
        feed.notify([{"type": "pageview", "path": f"/{n}"} for n in range(25)])
        await wait_for_events(recorder, 10)
    finally:
        await feed.stop()
    assert [e["path"] for e in recorder.payloads[0]["events"]] == [f"/{n}" for n in range(15, 25)]
    assert recorder.payloads[0]["dropped"] == 15


async def test_notify_from_a_worker_thread_wakes_the_feed() -> None:
    recorder = Recorder()
    feed = RealtimeFeed(push=recorder, snapshot=snapshot, interval=0.05)
    await feed.start()
    try:
        thread = threading.Thread(target=feed.notify, args=([{"type": "pageview", "path": "/thread"}],))
        thread.start()
        thread.join()
        await wait_for_events(recorder, 1)
    finally:
        await feed.stop()
    assert recorder.events() == [{"type": "pageview", "path": "/thread"}]


async def test_a_failed_push_is_counted_and_the_next_events_still_go_out() -> None:
    recorder = Recorder(fail_first=1)
    feed = RealtimeFeed(push=recorder, snapshot=snapshot, interval=0.05)
    await feed.start()
    try:
        feed.notify([{"type": "pageview", "path": "/lost"}])
        async with asyncio.timeout(10):
            while feed.failures == 0:  # noqa: ASYNC110 - the feed exposes a counter, not an event
                await asyncio.sleep(0.01)
        feed.notify([{"type": "pageview", "path": "/after"}])
        await wait_for_events(recorder, 1)
    finally:
        await feed.stop()
    assert feed.failures == 1
    assert recorder.events() == [{"type": "pageview", "path": "/after"}]


def test_notify_before_start_or_after_stop_never_raises() -> None:
    feed = RealtimeFeed(push=Recorder(), snapshot=snapshot)
    feed.notify([{"type": "pageview", "path": "/"}])


def test_a_dashboard_never_sees_the_visitor() -> None:
    event = {
        "type": "click",
        "path": "/papers",
        "target": "2401.00001",
        "kind": "paper",
        "visitor": "9f2c",
        "session": "s1",
        "props": {"topics": ["llm"]},
        "country": "DE",
    }
    assert public_event(event) == {
        "type": "click",
        "path": "/papers",
        "target": "2401.00001",
        "kind": "paper",
        "props": {"topics": ["llm"]},
        "country": "DE",
    }


async def test_stop_returns_even_when_a_push_swallows_its_cancellation() -> None:
    """A client manager retrying its Redis publish may ignore one cancellation; shutdown must not hang."""
    entered = asyncio.Event()
    released = False

    async def stubborn_push(payload: dict[str, Any]) -> None:
        entered.set()
        while not released:
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                continue  # what a retrying client does with a cancellation it takes for a hiccup

    async def snapshot() -> dict[str, Any]:
        return {"activeUsers": 0, "currentPages": []}

    feed = RealtimeFeed(push=stubborn_push, snapshot=snapshot, interval=0.01)
    await feed.start()
    feed.notify([{"type": "pageview", "path": "/"}])
    await asyncio.wait_for(entered.wait(), 5)

    await asyncio.wait_for(feed.stop(grace=0.2), 5)
    released = True  # let the abandoned task end before the test's loop closes
    await asyncio.sleep(0.2)
