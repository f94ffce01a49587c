"""Scores the topic classifier on the labelled evaluation set (``evals/topics/topics_eval.jsonl``).

``python -m portfolio_scraper.enrich.evaluate [--file PATH] [--split tune|holdout|holdout_v1|all]`` prints,
for each split, micro precision/recall/F1, macro F1 (over the topics that occur in the split's labels or
predictions), per-topic precision and recall, and topics per paper (mean, max); ``tune`` also per batch
(in-sample figures: the shipped model was fitted on it). The scraper's test ``test_topics_eval.py`` gates the
blind held-out split (``holdout``: batch 6, written after batch 5 became tune data) with :func:`score`;
``holdout_v1`` is the first held-out part, evaluated too often to gate on, reported apart and never tuned on.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio_scraper.enrich.classifier import PaperText, TopicClassifier

Record = dict[str, Any]
Predict = Callable[[Sequence[PaperText]], list[list[str]]]

#: The evaluation set, relative to the repository root.
EVAL_FILE = Path("evals/topics/topics_eval.jsonl")
#: The set's splits: fitting reads ``tune`` only (batches 1-5); ``holdout`` (the blind batch 6) is the gate;
#: ``holdout_v1`` is reported apart.
SPLITS = ("tune", "holdout_v1", "holdout")


def default_file() -> Path:
    """The evaluation set of this checkout: found from the working directory or from this module."""
    for base in (Path.cwd(), *Path(__file__).resolve().parents):
        if (base / EVAL_FILE).is_file():
            return base / EVAL_FILE
    raise FileNotFoundError(f"{EVAL_FILE} not found above {Path.cwd()} or {Path(__file__).parent}")


def load(path: Path | None = None, split: str = "all") -> list[Record]:
    """Records of ``split`` (one of :data:`SPLITS` or ``all``) in file order."""
    lines = (path or default_file()).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return [r for r in records if split == "all" or r["split"] == split]


def batch_of(record: Record) -> int:
    """The batch a record was written in (``batch`` is absent for the first 211 papers)."""
    return int(record.get("batch", 1))


def paper_text(record: Record) -> PaperText:
    """What the classifier sees of a record."""
    return PaperText(
        title=record["title"],
        abstract=record.get("abstract"),
        categories=list(record.get("categories", [])),
        primary=record.get("primary_category"),
        keywords=list(record.get("ai_keywords", [])),
    )


@dataclass
class Report:
    """Counts and figures of one run over a set of records."""

    papers: int
    tp: int
    fp: int
    fn: int
    per_topic: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # tp, fp, fn
    topics_mean: float = 0.0
    topics_max: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def micro_f1(self) -> float:
        return _f1(self.tp, self.fp, self.fn)

    @property
    def macro_f1(self) -> float:
        values = [_f1(*counts) for counts in self.per_topic.values() if sum(counts)]
        return sum(values) / len(values) if values else 1.0

    def topic_precision(self, topic: str) -> float:
        """Precision of one topic; 1.0 when it was never predicted (nothing wrong was claimed)."""
        tp, fp, _ = self.per_topic.get(topic, (0, 0, 0))
        return tp / (tp + fp) if tp + fp else 1.0

    def topic_recall(self, topic: str) -> float:
        tp, _, fn = self.per_topic.get(topic, (0, 0, 0))
        return tp / (tp + fn) if tp + fn else 1.0

    def render(self, title: str) -> str:
        lines = [
            f"{title}: {self.papers} papers  P {self.precision:.3f}  R {self.recall:.3f}  "
            f"micro-F1 {self.micro_f1:.3f}  macro-F1 {self.macro_f1:.3f}  "
            f"topics/paper mean {self.topics_mean:.2f} max {self.topics_max}",
        ]
        for topic, (tp, fp, fn) in self.per_topic.items():
            lines.append(
                f"  {topic:<24} P {self.topic_precision(topic):.2f}  R {self.topic_recall(topic):.2f}"
                f"  (tp {tp}, fp {fp}, fn {fn})"
            )
        return "\n".join(lines)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def score(records: Sequence[Record], predicted: Sequence[Sequence[str]], topics: Sequence[str]) -> Report:
    """Compare predictions with the labels of ``records`` (same order)."""
    per_topic = {name: [0, 0, 0] for name in topics}
    sizes = []
    for record, got_list in zip(records, predicted, strict=True):
        got, expected = set(got_list), set(record["topics"])
        unknown = (got | expected) - set(per_topic)
        if unknown:
            raise ValueError(f"{record['id']}: topics not in the taxonomy: {sorted(unknown)}")
        sizes.append(len(got_list))
        for name in got & expected:
            per_topic[name][0] += 1
        for name in got - expected:
            per_topic[name][1] += 1
        for name in expected - got:
            per_topic[name][2] += 1
    tp, fp, fn = (sum(c[i] for c in per_topic.values()) for i in range(3))
    return Report(
        papers=len(records),
        tp=tp,
        fp=fp,
        fn=fn,
        per_topic={name: (c[0], c[1], c[2]) for name, c in per_topic.items()},
        topics_mean=sum(sizes) / len(sizes) if sizes else 0.0,
        topics_max=max(sizes, default=0),
    )


def pool(reports: Sequence[Report]) -> Report:
    """One report summing the counts of several runs (say the repetitions of a cross-validation)."""
    topics = dict.fromkeys(name for r in reports for name in r.per_topic)
    return Report(
        papers=sum(r.papers for r in reports),
        tp=sum(r.tp for r in reports),
        fp=sum(r.fp for r in reports),
        fn=sum(r.fn for r in reports),
        per_topic={
            name: (
                sum(r.per_topic.get(name, (0, 0, 0))[0] for r in reports),
                sum(r.per_topic.get(name, (0, 0, 0))[1] for r in reports),
                sum(r.per_topic.get(name, (0, 0, 0))[2] for r in reports),
            )
            for name in topics
        },
        topics_mean=sum(r.topics_mean * r.papers for r in reports) / max(1, sum(r.papers for r in reports)),
        topics_max=max((r.topics_max for r in reports), default=0),
    )


def run(classifier: TopicClassifier, records: Sequence[Record]) -> Report:
    """Classify ``records`` in one batch and score them."""
    predicted = classifier.classify_many([paper_text(r) for r in records])
    return score(records, predicted, classifier.taxonomy.names)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=None, help="JSONL evaluation set")
    parser.add_argument("--split", choices=[*SPLITS, "all", "each"], default="each")
    parser.add_argument("--errors", action="store_true", help="list the papers whose topics differ")
    args = parser.parse_args(argv)
    classifier = TopicClassifier.default()
    splits = list(SPLITS) if args.split == "each" else [args.split]
    for split in splits:
        records = load(args.file, split)
        if not records:
            print(f"{split}: no papers in this file")
            continue
        predicted = classifier.classify_many([paper_text(r) for r in records])
        print(score(records, predicted, classifier.taxonomy.names).render(split))
        if split == "tune":  # in-sample: the model was fitted on these
            for batch in sorted({batch_of(r) for r in records}):
                rows = [(r, p) for r, p in zip(records, predicted, strict=True) if batch_of(r) == batch]
                part = score([r for r, _ in rows], [p for _, p in rows], classifier.taxonomy.names)
                print(part.render(f"tune, batch {batch} (in-sample)").splitlines()[0])
        if args.errors:
            for record, got in zip(records, predicted, strict=True):
                if set(got) != set(record["topics"]):
                    print(f"    {record['id']} {record['title'][:70]!r}: got {got}, want {record['topics']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
