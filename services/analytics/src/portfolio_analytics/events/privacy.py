"""Privacy: who is counted and under which id, without cookies and without storing an IP.

The visitor id is the keyed BLAKE2b hash of ``site \\n IP \\n User-Agent`` under the salt of the UTC day,
64 bits (BLAKE2's keyed mode is a MAC, as HMAC-SHA256 would be, for a third of its cost).
The salt is random, created by the first event of the day (``SET NX``) and expires 48 hours later;
nothing else can recompute an id, so once a salt is gone the ids of its day are anonymous. Only
in the first 30 minutes of a day is yesterday's salt used too: a visitor whose session under
yesterday's id is still open keeps it (``events/record.lua`` decides), so a visit crossing
midnight stays one visit.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Mapping

from redis.asyncio import Redis

from portfolio_analytics import keys

SALT_TTL_SECONDS = 48 * 3600
SESSION_WINDOW_MS = 30 * 60 * 1000
DAY_MS = 86_400_000


def opted_out(headers: Mapping[str, str], honor_dnt: bool) -> bool:
    """``Sec-GPC: 1`` (Global Privacy Control) always, ``DNT: 1`` when configured."""
    if headers.get("sec-gpc", "").strip() == "1":
        return True
    return honor_dnt and headers.get("dnt", "").strip() == "1"


#: User-Agents are cut to this many characters before anything reads them (the bot patterns, the
#: visitor hash): real ones are under 300, and a 30 KB one would cost tens of ms of regex time.
USER_AGENT_MAX = 512


def user_agent_of(headers: Mapping[str, str]) -> str:
    """The request's User-Agent, cut to :data:`USER_AGENT_MAX` characters (never stored)."""
    return headers.get("user-agent", "")[:USER_AGENT_MAX]


def visitor_id(salt: str, site: str, ip: str, user_agent: str) -> str:
    # The salt is 64 hex digits: BLAKE2b's largest key.
    return hashlib.blake2b(
        f"{site}\n{ip}\n{user_agent}".encode(), key=salt.encode(), digest_size=8
    ).hexdigest()


def address_id(salt: str, site: str, ip: str) -> str:
    """The client (``portfolio_shared.client_ip.client_key``: an IPv6 address's /64) under the day's
    salt: the key of its budget, whatever the User-Agent (the address itself is never stored)."""
    return hashlib.blake2b(
        f"{site}\n{ip}".encode(), key=salt.encode(), digest_size=8, person=b"address"
    ).hexdigest()


class Salts:
    """Per-day salts from Redis, remembered in the process for the day (a salt never changes once
    set). Holds at most today's and yesterday's."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._known: dict[str, str | None] = {}
        # One fetch at a time: at the start of a day every concurrent request misses the cache.
        self._lock = asyncio.Lock()

    async def for_time(self, redis: Redis, now_ms: float) -> tuple[str, str | None]:
        """Today's salt (created if missing) and, during the first session window of the day,
        yesterday's (``None`` otherwise or when it is gone)."""
        today = keys.day_of(now_ms)
        need_yesterday = now_ms % DAY_MS < SESSION_WINDOW_MS
        yesterday = keys.day_of(now_ms - DAY_MS)
        cached = self._cached(today, yesterday, need_yesterday)
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._cached(today, yesterday, need_yesterday)
            if cached is not None:
                return cached
            async with redis.pipeline(transaction=False) as pipe:
                pipe.set(keys.salt(self.prefix, today), secrets.token_hex(32), nx=True, ex=SALT_TTL_SECONDS)
                pipe.get(keys.salt(self.prefix, today))
                pipe.get(keys.salt(self.prefix, yesterday))
                _, salt, old = await pipe.execute()
            self._known = {today: salt, yesterday: old}
            return salt, old if need_yesterday else None

    def _cached(self, today: str, yesterday: str, need_yesterday: bool) -> tuple[str, str | None] | None:
        salt = self._known.get(today)
        if salt is None or (need_yesterday and yesterday not in self._known):
            return None
        return salt, self._known.get(yesterday) if need_yesterday else None
