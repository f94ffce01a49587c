"""Multi-label topics from a taxonomy file: phrases in title and abstract plus arXiv categories.

The default taxonomy ships beside this module (``taxonomy.toml``; its header explains the scoring).
Matching works on word tokens (:mod:`portfolio_scraper.enrich.text`): every phrase becomes a token tuple,
plus its joined form ("multi agent" → "multiagent"), and the text is scanned once, left to right, taking the
longest phrase that starts at each position. That makes the cost linear in the text, whatever the number of
phrases, and lets a longer phrase ("vision language model", "agent based model") claim words that a shorter
one of another topic would otherwise count.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from portfolio_scraper.enrich.text import tokens

_TOPIC_KEYS = {"name", "strong", "phrases", "weak", "negative", "categories", "threshold", "prototypes"}
_SETTING_KEYS = {
    "title_weight",
    "max_repeats",
    "cross_list_factor",
    "threshold",
    "strong_weight",
    "weak_weight",
}


@dataclass(frozen=True)
class Settings:
    """How points add up; see the header of ``taxonomy.toml``."""

    title_weight: float = 2.0
    max_repeats: int = 2
    cross_list_factor: float = 0.5
    threshold: float = 2.0
    strong_weight: float = 2.0
    weak_weight: float = 0.5


@dataclass(frozen=True)
class Topic:
    """One topic: weighted phrases, phrases that hide other senses, category points, threshold."""

    name: str
    phrases: Mapping[str, float]
    negative: tuple[str, ...] = ()
    categories: Mapping[str, float] = field(default_factory=dict)
    threshold: float = 2.0
    #: Short descriptions of the topic; the classifier compares a paper's embedding with them.
    prototypes: tuple[str, ...] = ()

    def category_points(self, category: str) -> float:
        """Points for one arXiv category (exact, or ``archive.*`` for the whole archive)."""
        if category in self.categories:
            return self.categories[category]
        archive = category.split(".", 1)[0]
        return self.categories.get(f"{archive}.*", 0.0)


#: Sections of the taxonomy file read by :class:`portfolio_scraper.enrich.classifier.TopicClassifier`.
EXTRA_SECTIONS = frozenset({"classifier", "ml"})

Entry = tuple[int, float]  # (topic index, weight); weight 0 for a negative phrase


class Taxonomy:
    """A set of topics and the phrase index that classifies a paper in one pass over its text."""

    def __init__(
        self,
        topics: Sequence[Topic],
        settings: Settings | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        names = [topic.name for topic in topics]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate topic names in taxonomy: {names}")
        self.topics = tuple(topics)
        self.settings = settings or Settings()
        #: The file's other sections (``EXTRA_SECTIONS``), as parsed.
        self.extra: Mapping[str, Any] = dict(extra or {})
        self._index: dict[tuple[str, ...], list[Entry]] = {}
        for number, topic in enumerate(self.topics):
            for phrase, weight in topic.phrases.items():
                self._add(phrase, number, weight)
            for phrase in topic.negative:
                self._add(phrase, number, 0.0)
        self._starts = {key[0] for key in self._index}
        self._longest = max((len(key) for key in self._index), default=1)

    def _add(self, phrase: str, topic: int, weight: float) -> None:
        key = tuple(tokens(phrase))
        if not key:
            raise ValueError(f"taxonomy phrase without words: {phrase!r}")
        keys = {key, ("".join(key),)} if len(key) > 1 else {key}
        for variant in keys:
            entries = self._index.setdefault(variant, [])
            # One phrase listed twice for a topic (say strong and negative) keeps the last weight.
            entries[:] = [entry for entry in entries if entry[0] != topic] + [(topic, weight)]

    @property
    def names(self) -> list[str]:
        """Topic names in taxonomy order."""
        return [topic.name for topic in self.topics]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Read a taxonomy TOML file; the one shipped with the package when ``path`` is None."""
        if path is None:
            text = resources.files(__package__).joinpath("taxonomy.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return cls.from_dict(tomllib.loads(text))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Build from the parsed TOML structure (``settings`` table and ``topics`` array)."""
        unknown = set(data) - {"settings", "topics", *EXTRA_SECTIONS}
        if unknown:
            raise ValueError(f"unknown taxonomy sections: {sorted(unknown)}")
        raw_settings = dict(data.get("settings", {}))
        if set(raw_settings) - _SETTING_KEYS:
            raise ValueError(f"unknown taxonomy settings: {sorted(set(raw_settings) - _SETTING_KEYS)}")
        settings = Settings(**raw_settings)
        topics = []
        for raw in data.get("topics", []):
            if set(raw) - _TOPIC_KEYS or "name" not in raw:
                raise ValueError(f"bad taxonomy topic {raw.get('name')!r}: keys {sorted(raw)}")
            phrases: dict[str, float] = {}
            for key, weight in (
                ("weak", settings.weak_weight),
                ("phrases", 1.0),
                ("strong", settings.strong_weight),
            ):
                phrases.update(dict.fromkeys(raw.get(key, []), weight))
            topics.append(
                Topic(
                    name=raw["name"],
                    phrases=phrases,
                    negative=tuple(raw.get("negative", [])),
                    categories={str(k): float(v) for k, v in raw.get("categories", {}).items()},
                    threshold=float(raw.get("threshold", settings.threshold)),
                    prototypes=tuple(raw.get("prototypes", ())),
                )
            )
        return cls(topics, settings, extra={k: data[k] for k in EXTRA_SECTIONS if k in data})

    def _matches(self, text: str) -> Counter[tuple[str, ...]]:
        words = tokens(text)
        found: Counter[tuple[str, ...]] = Counter()
        i, end = 0, len(words)
        while i < end:
            if words[i] in self._starts:
                for n in range(min(self._longest, end - i), 0, -1):
                    key = tuple(words[i : i + n])
                    if key in self._index:
                        found[key] += 1
                        i += n
                        break
                else:
                    i += 1
            else:
                i += 1
        return found

    def scores(
        self,
        title: str | None,
        abstract: str | None,
        categories: Iterable[str] = (),
        *,
        primary: str | None = None,
    ) -> dict[str, float]:
        """Points of every topic for one paper (see ``taxonomy.toml``).

        ``primary`` is the primary arXiv category, by default the first of ``categories``.
        """
        s = self.settings
        points = [0.0] * len(self.topics)
        for key in self._matches(title or ""):
            for index, weight in self._index[key]:
                points[index] += weight * s.title_weight
        for key, count in self._matches(abstract or "").items():
            for index, weight in self._index[key]:
                points[index] += weight * min(count, s.max_repeats)
        categories = list(dict.fromkeys(categories))
        primary = primary or (categories[0] if categories else None)
        for category in categories:
            factor = 1.0 if category == primary else s.cross_list_factor
            for number, topic in enumerate(self.topics):
                points[number] += factor * topic.category_points(category)
        return {topic.name: round(value, 4) for topic, value in zip(self.topics, points, strict=True)}

    def classify(
        self,
        title: str | None,
        abstract: str | None,
        categories: Iterable[str] = (),
        *,
        primary: str | None = None,
    ) -> list[str]:
        """The topics whose points reach their threshold, highest points first (ties in taxonomy order)."""
        scores = self.scores(title, abstract, categories, primary=primary)
        chosen = [
            (scores[t.name], n, t.name) for n, t in enumerate(self.topics) if scores[t.name] >= t.threshold
        ]
        return [name for _, _, name in sorted(chosen, key=lambda item: (-item[0], item[1]))]
