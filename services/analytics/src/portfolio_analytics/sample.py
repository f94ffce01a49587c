"""A week of sample traffic, so a first run's dashboard has every chart filled.

The events go through the real intake (visitor ids under daily salts, normalisation, the Lua writer),
each at its own moment of the last seven days, but under their own key prefix
(:func:`portfolio_analytics.keys.sample_prefix`): removing the sample deletes exactly those keys and
never a real one. Once the week is written, :func:`~portfolio_analytics.keys.sample_marker` is set;
while it exists the dashboard's reads (``api/metrics.py``) answer from the sample, marked
``"sample": true`` so the dashboard labels it.

The visits are generated from a fixed seed: the same shape every run, dated back from the moment of
loading. Papers viewed are the sample papers core loads (``sample_paper_id``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from portfolio_analytics import keys
from portfolio_analytics.config import AnalyticsSettings
from portfolio_analytics.events.intake import Context, Intake
from portfolio_analytics.events.schemas import ClickIn, EngagementIn, EventIn, PageviewIn, SearchIn
from portfolio_shared.schemas import sample_paper_id

DAYS = 7
DAY_MS = 86_400_000
SEED = 19
#: Visitors per day, oldest day first: a week with a weekend dip and a busy last day.
VISITORS_PER_DAY = (34, 41, 38, 22, 19, 45, 52)
SITE = "https://portfolio.sample.invalid"
PAGES = ("/", "/papers", "/projects", "/chat", "/projects/rag-eval-harness", "/papers/saved")
REFERRERS = (
    None,
    None,
    None,
    "https://github.com/",
    "https://www.google.com/",
    "https://www.linkedin.com/",
    "https://news.ycombinator.com/",
    "https://t.co/",
)
#: Countries (and a city each) the sample visitors come from, with weights.
PLACES = (
    ("IN", "Bengaluru", 9),
    ("US", "San Francisco", 7),
    ("DE", "Berlin", 4),
    ("GB", "London", 4),
    ("FR", "Paris", 2),
    ("JP", "Tokyo", 2),
    ("BR", "São Paulo", 2),
    ("CA", "Toronto", 2),
    ("NL", "Amsterdam", 1),
)
#: Topics of the papers the sample visitors open (names of the scraper's taxonomy; a few suffice).
TOPICS = ("LLM", "RAG", "Agents", "Computer Vision", "Efficiency", "Safety & Alignment")
QUERIES = (
    "rag evaluation",
    "quantization",
    "agents",
    "jailbreak",
    "speculative decoding",
    "hybrid search",
    "vision language",
    "dpo",
    "feature store",
    "chunking",
)
#: Sample papers the visitors view: among the first this many of core's (it loads about 60).
SAMPLE_PAPERS = 60


class _SampleGeo:
    """Each sample visitor's country and city (the sample addresses are private, so a GeoIP database
    would say "unknown" for all of them)."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[str, str | None]] = {}

    def locate(self, ip: str) -> tuple[str, str | None]:
        return self.places.get(ip, ("unknown", None))


@dataclass
class Loaded:
    events: int
    visitors: int


#: The sample's browsers, systems and devices (the device panels); ``{v}`` varies the version, so
#: each visitor keeps an id of their own.
_USER_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/1{v} Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:1{v}) Gecko/20100101 Firefox/1{v}",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/1{v} Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{v} Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{v} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/1{v} Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.{v} Mobile/15E148 Safari/604.1",
)
#: Every seventh sample visit arrives from a campaign link (the UTM panels).
_CAMPAIGNS = (
    "utm_source=newsletter&utm_medium=email&utm_campaign=december",
    "utm_source=mastodon&utm_medium=social&utm_campaign=launch",
)


def _user_agent(n: int) -> str:
    version = f"{20 + n % 9}.0.{n % 5000}.{n % 97}"
    return _USER_AGENTS[n % 5 if n % 11 else 5 + n % 2].format(v=version)


def _campaign(n: int) -> str:
    """The query of visit ``n``'s first page (chosen from ``n``, so the seeded sequence is unchanged)."""
    return f"?{_CAMPAIGNS[n % 2]}" if n % 7 == 0 else ""


def _visit(rng: random.Random, n: int) -> list[EventIn]:
    """One visitor's events, in order."""
    events: list[EventIn] = []
    first = True
    for _ in range(rng.choice((1, 1, 2, 3, 3, 4, 5))):
        referrer = rng.choice(REFERRERS) if first else None
        query = _campaign(n) if first else ""
        if rng.random() < 0.45:
            number = min(SAMPLE_PAPERS, int(rng.paretovariate(0.7)))
            paper = sample_paper_id(number)
            topics = rng.sample(TOPICS, rng.choice((1, 1, 2)))
            events.append(
                PageviewIn(
                    url=f"{SITE}/papers/{paper}{query}",
                    referrer=referrer,
                    title="Sample paper",
                    props={"paper_id": paper, "topics": topics},
                )
            )
            if rng.random() < 0.08:
                events.append(ClickIn(path=f"/papers/{paper}", target=paper, kind="share"))
        else:
            path = rng.choice(PAGES)
            events.append(PageviewIn(url=f"{SITE}{path}{query}", referrer=referrer, title="Sample page"))
            if path == "/papers" and rng.random() < 0.5:
                search_id = f"s{n}x{len(events)}"
                events.append(
                    SearchIn(
                        path="/papers",
                        query=rng.choice(QUERIES),
                        results_count=rng.randint(0, 40),
                        search_id=search_id,
                    )
                )
                if rng.random() < 0.6:
                    target = sample_paper_id(rng.randint(1, SAMPLE_PAPERS))
                    events.append(
                        ClickIn(
                            path="/papers",
                            target=target,
                            kind="paper",
                            search_id=search_id,
                            props={"topics": rng.sample(TOPICS, 1)},
                        )
                    )
        first = False
    events.append(EngagementIn(path="/", engaged_ms=rng.randint(4_000, 240_000)))
    return events


def sample_settings(settings: AnalyticsSettings) -> AnalyticsSettings:
    """The settings of the sample's intake: its own prefix, no rate limit (a week arrives at once)."""
    return settings.model_copy(
        update={
            "redis_prefix": keys.sample_prefix(settings.redis_prefix),
            "rate_limit_burst": 1_000_000,
            "ip_budget_burst": 1_000_000,
            "honor_dnt": False,
        }
    )


async def remove_sample(redis: Redis, settings: AnalyticsSettings) -> int:
    """Delete every key of the sample (the marker first, so the dashboard stops reading it); how many."""
    prefix = keys.sample_prefix(settings.redis_prefix)
    deleted: int = await redis.delete(keys.sample_marker(settings.redis_prefix))
    batch: list[Any] = []
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await redis.delete(*batch)
            batch.clear()
    if batch:
        deleted += await redis.delete(*batch)
    return deleted


async def sample_loaded(redis: Redis, settings: AnalyticsSettings) -> bool:
    return bool(await redis.exists(keys.sample_marker(settings.redis_prefix)))


async def load_sample(redis: Redis, settings: AnalyticsSettings, now_ms: int) -> Loaded:
    """Replace the sample with a week of traffic ending at ``now_ms``."""
    await remove_sample(redis, settings)
    geo = _SampleGeo()
    intake = Intake(sample_settings(settings), geo)  # type: ignore[arg-type]
    rng = random.Random(SEED)
    places = [(country, city) for country, city, weight in PLACES for _ in range(weight)]
    day_start = now_ms - now_ms % DAY_MS
    events = visitors = 0
    try:
        for age, count in zip(range(DAYS - 1, -1, -1), VISITORS_PER_DAY, strict=True):
            start = day_start - age * DAY_MS
            end = min(start + DAY_MS, now_ms)
            for _ in range(count):
                visitors += 1
                at = rng.randint(start, max(start, end - 1))
                ip = f"10.19.{visitors // 250}.{visitors % 250 + 1}"
                geo.places[ip] = rng.choice(places)
                headers = {"user-agent": _user_agent(visitors), "origin": SITE}
                for event in _visit(rng, visitors):
                    if at > now_ms:
                        break
                    outcome = await intake.accept(
                        redis, [event], Context(peer=ip, headers=headers, now_ms=at)
                    )
                    events += len(outcome.recorded)
                    at += rng.randint(15_000, 150_000)
        # Its filter copies, before the dashboard reads it (the app's fold folds its own prefix).
        await intake.recorder.fold_all(redis, rounds=None)
    finally:
        await intake.aclose()
    await redis.set(keys.sample_marker(settings.redis_prefix), str(now_ms))
    return Loaded(events=events, visitors=visitors)
