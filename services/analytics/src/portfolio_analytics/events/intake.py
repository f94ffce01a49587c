"""From validated events and a request's context to recorded events: the intake pipeline.

Order: opted out (``Sec-GPC``/``DNT``) → bot → visitor id (daily salt) → normalise (path,
referrer host, country, query) → one recorder write, which also applies the visitor's token
bucket. Dropped requests write nothing. The export shape built here is what the raw stream holds,
what ``GET /export`` serves and what the realtime feed receives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.events.bots import is_bot
from portfolio_analytics.events.devices import Device, device_of
from portfolio_analytics.events.geo import GeoLocator
from portfolio_analytics.events.privacy import Salts, address_id, opted_out, user_agent_of, visitor_id
from portfolio_analytics.events.recorder import RECORDED_AS_OLD, REFUSED, Group, Recorder
from portfolio_analytics.events.schemas import ClickIn, EngagementIn, EventIn, PageviewIn, SearchIn
from portfolio_shared.client_ip import client_ip, client_key

DIRECT = "(direct)"
#: Stands for the visitor id in the raw JSON until the writer knows it. The visitor is the record's
#: third key, after two the service writes, so the first occurrence in the JSON text is this one.
_VISITOR = "\u0000visitor\u0000"
_VISITOR_JSON = json.dumps(_VISITOR)[1:-1]
#: Drop reasons, sent back in ``X-Analytics-Dropped``.
OPTED_OUT, BOT, RATE_LIMITED = "opted_out", "bot", "rate_limited"
#: Every string a client chooses is cut to this many characters before it is stored (paths,
#: referrer hosts, titles, click targets, queries, topics, paper ids, prop values): sorted-set
#: members live for months, and the raw stream holds each event.
STORED_TEXT_MAX = 200


def clip(text: str) -> str:
    """``text`` as stored: at most :data:`STORED_TEXT_MAX` characters."""
    return text[:STORED_TEXT_MAX]


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is several times slower
class Context:
    """What the intake needs from an HTTP request (lower-case header names)."""

    peer: str | None
    headers: Mapping[str, str]
    now_ms: int


@dataclass(slots=True)
class Outcome:
    recorded: list[dict[str, Any]]
    dropped: str | None = None


def iso(epoch_ms: int) -> str:
    """``2026-11-29T08:15:02.123Z`` (UTC, milliseconds), the timestamp of raw events."""
    seconds, ms = divmod(epoch_ms, 1000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{keys.day_of(epoch_ms)}T{hours % 24:02d}:{minute:02d}:{second:02d}.{ms:03d}Z"


# Both are cached: they parse URLs with urlsplit, and real traffic repeats a few pages and referrers.
@lru_cache(maxsize=4096)
def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return clip(host.removeprefix("www."))


@lru_cache(maxsize=4096)
def _url_path(url: str) -> str:
    return urlsplit(url).path


#: The campaign parameters of a page's URL, and their names in the writer's item.
UTM_PARAMETERS = (("utm_source", "us"), ("utm_medium", "um"), ("utm_campaign", "uc"))


@lru_cache(maxsize=4096)
def _utm(url: str) -> tuple[tuple[str, str], ...]:
    """``(item name, value)`` of each UTM parameter ``url`` carries (the stored path drops them)."""
    query = urlsplit(url).query
    if "utm_" not in query:
        return ()
    values = parse_qs(query)
    found = []
    for parameter, name in UTM_PARAMETERS:
        value = " ".join((values.get(parameter) or [""])[0].split())
        if value:
            found.append((name, clip(value)))
    return tuple(found)


def _path(url: str | None, path: str | None) -> str:
    raw = path if path is not None else (_url_path(url) if url else "")
    # Query strings and fragments are dropped: they fragment the page list and may carry personal data.
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    return clip(raw) or "/"


def normalise_query(query: str) -> str:
    return clip(" ".join(query.lower().split()))


def _topics(props: Mapping[str, Any] | None) -> list[str] | None:
    topics = (props or {}).get("topics")
    if isinstance(topics, str):
        topics = [topics]
    if not isinstance(topics, list):
        return None
    cleaned = sorted({clip(" ".join(str(t).lower().split())) for t in topics} - {""})
    return cleaned or None


def _stored_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with every string value (and list item) clipped."""
    stored: dict[str, Any] = {}
    for name, value in props.items():
        if isinstance(value, str):
            value = clip(value)
        elif isinstance(value, list):
            value = [clip(item) for item in value]
        stored[name] = value
    return stored


class Intake:
    def __init__(self, settings: AnalyticsSettings, geo: GeoLocator) -> None:
        self.settings = settings
        self.geo = geo
        self.salts = Salts(settings.redis_prefix)
        self.recorder = Recorder(settings)

    async def aclose(self) -> None:
        await self.recorder.aclose()

    async def accept(self, redis: Redis, events: list[EventIn], ctx: Context) -> Outcome:
        if opted_out(ctx.headers, self.settings.honor_dnt):
            return Outcome([], OPTED_OUT)
        user_agent = user_agent_of(ctx.headers)
        if is_bot(user_agent):
            return Outcome([], BOT)
        ip = client_ip(ctx.peer, ctx.headers.get("x-forwarded-for"), self.settings.trusted_proxy_count)
        visitor, old_visitor, address = await self._visitors(ip, user_agent, ctx.now_ms, redis)
        country, city = self.geo.locate(ip)
        site_host = _host(ctx.headers.get("origin"))
        device = device_of(user_agent)
        exported: list[dict[str, Any]] = []
        lua: list[dict[str, Any]] = []
        # Every event of a request has the request's time.
        moment = (ctx.now_ms, iso(ctx.now_ms), keys.day_of(ctx.now_ms), keys.hour_of(ctx.now_ms))
        for event in events:
            record, item = self._normalise(event, moment, country, city, site_host, device)
            exported.append(record)
            lua.append(item)
        # The writer picks the id (today's, or yesterday's for a visit still open) in the same call.
        result = await self.recorder.record(redis, Group(visitor, old_visitor, address, ctx.now_ms, lua))
        if result == REFUSED:
            return Outcome([], RATE_LIMITED)
        chosen = old_visitor if result == RECORDED_AS_OLD else visitor
        for record in exported:
            record["visitor"] = chosen
        return Outcome(exported)

    async def _visitors(
        self, ip: str, user_agent: str, now_ms: int, redis: Redis
    ) -> tuple[str, str | None, str]:
        """Today's id, in the first session window of a day the id under yesterday's salt, and the
        address's id (its budget's key: an IPv6 address's /64, one client's usual share; a visitor
        stays one address)."""
        site = self.settings.site_id
        salt, yesterdays = await self.salts.for_time(redis, now_ms)
        old = visitor_id(yesterdays, site, ip, user_agent) if yesterdays is not None else None
        return visitor_id(salt, site, ip, user_agent), old, address_id(salt, site, client_key(ip))

    def _normalise(
        self,
        event: EventIn,
        moment: tuple[int, str, str, str],
        country: str,
        city: str | None,
        site_host: str | None,
        device: Device,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The export record and the writer's item of ``event``; ``moment`` is the request's time as
        (epoch ms, ISO timestamp, day, hour). A page view's item also carries what its visit is
        counted under if it starts one: the device and the URL's UTM parameters (not exported)."""
        now_ms, timestamp, day, hour = moment
        props = _stored_props(event.props) if event.props else None
        record: dict[str, Any] = {
            "type": event.type,
            "ts": timestamp,
            "visitor": _VISITOR,
            "path": None,
            "title": None,
            "referrer": None,
            "country": country,
            "city": city,
            "target": None,
            "kind": None,
            "query": None,
            "results_count": None,
            "search_id": None,
            "engaged_ms": None,
            "props": props,
        }
        item: dict[str, Any] = {"t": event.type, "ts": now_ms, "d": day, "h": hour}
        paper: str | None = None
        topics: list[str] | None = None
        if isinstance(event, PageviewIn):
            path = _path(event.url, event.path)
            page_host = _host(event.url) or site_host
            referrer = _host(event.referrer)
            if referrer is not None and referrer == page_host:
                referrer = None  # a move inside the site, not a source
            record.update(
                path=path, title=clip(event.title) if event.title else event.title, referrer=referrer
            )
            item.update(
                p=path, ref=referrer or DIRECT, c=country, br=device.browser, os=device.os, dv=device.device
            )
            if city:
                item["city"] = city
            if event.url:
                item.update(_utm(event.url))
            paper_id = (props or {}).get("paper_id")
            paper = paper_id if isinstance(paper_id, str) and paper_id else None
            topics = _topics(props)
        elif isinstance(event, ClickIn):
            record.update(
                path=_path(None, event.path) if event.path else None,
                target=clip(event.target),
                kind=event.kind,
                search_id=event.search_id,
            )
            if event.kind == "paper":
                paper = record["target"]
                topics = _topics(props)
            elif event.kind == "share":
                item["share"] = record["target"]
            if event.search_id:
                item["sid"] = event.search_id
        elif isinstance(event, SearchIn):
            query = normalise_query(event.query)
            record.update(
                path=_path(None, event.path) if event.path else None,
                query=query,
                results_count=event.results_count,
                search_id=event.search_id,
            )
            item["q"] = query
            if event.search_id:
                item["sid"] = event.search_id
        elif isinstance(event, EngagementIn):
            record.update(path=_path(None, event.path) if event.path else None, engaged_ms=event.engaged_ms)
            item["ms"] = event.engaged_ms
        # Every event reaches the copies of its page and, outside a visit, of its country (ADR 13).
        if record["path"] is not None:
            item.setdefault("p", record["path"])
        item.setdefault("c", country)
        if paper:
            item["paper"] = paper
        if topics:
            item["topics"] = topics
        # The writer splices the visitor id it settles on between these two halves.
        item["rh"], item["rt"] = orjson.dumps(record).decode().split(_VISITOR_JSON, 1)
        return record, item
