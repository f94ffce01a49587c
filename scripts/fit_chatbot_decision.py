"""Fit the chatbot's answer-or-decline decision (``backend/chatbot/decision.json``) on the tuning part.

    make eval ARGS="--part tuning --trace /tmp/trace.jsonl"        # the passages core saw, per question
    uv run --no-sync python -m scripts.fit_chatbot_decision /tmp/trace.questions.jsonl [--dry-run]

Every traced question is replayed offline through the chatbot's own code: the rerank and its
evidence (``chatbot.retrieval.assessed``), then the extractive answer that the question gets when it
is answered, scored by the harness's rules (right source cited, facts present). A logistic
regression on the evidence (``chatbot.decision.FEATURES``, standardised, L2) predicts whether the
question is to be answered (``expect: answer``); its threshold is the one that maximises the mean of
answer and decline accuracy on the questions it was fitted on.

It prints, before writing the weights fitted on the whole tuning part, the leave-one-part-out
figures: for each blind part now in tuning (the first held-out part, ``h2-…`` … ``h5-…``), the model
fitted on every other question and scored on that part. That is the estimate of how the decision
does on a part written later by someone else; the in-sample figure is not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scripts.eval_chatbot import Question, Source, load_questions, load_sources, score

ROOT = Path(__file__).resolve().parents[1]
#: The blind parts now in tuning, by id prefix; the first held-out part has plain ids.
BLIND = ("h2", "h3", "h4", "h5")
#: The L2 penalty on the standardised weights (chosen by the leave-one-part-out figures: 1, 10, 30, 100).
L2 = 30.0
#: Evidence that declines alone (chosen by the leave-one-part-out figures).
VETOES: tuple[str, ...] = ("slot_missing", "asked_missing")


def blind_part(q: Question, retired: set[str]) -> str:
    """``h1`` … ``h5`` for a retired held-out question, ``original`` for the rest of tuning."""
    prefix = q.id.split("-", 1)[0]
    if prefix in BLIND:
        return prefix
    return "h1" if q.id in retired else "original"


@dataclass
class Case:
    """One traced question replayed: its evidence, and whether answering / declining it is right."""

    id: str
    part: str
    expect: str
    x: list[float]
    #: Declined before any decision: nothing to quote, or the provider's own slot check.
    empty: bool
    #: Always answered (the neighbouring journey entry of "and before that?").
    forced: bool
    answer_right: bool
    decline_right: bool
    #: The answer the question gets when it is answered (for reading the failures).
    text: str = ""


def replay(
    rows: list[dict[str, Any]], questions: dict[str, Question], sources: dict[str, Source]
) -> list[Case]:
    sys.path.insert(0, str(ROOT / "backend"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from chatbot import decision, retrieval, trace
    from chatbot.providers import extractive
    from chatbot.question import analyse

    provider = extractive.ExtractiveProvider()
    cases = []
    for row in rows:
        q = questions[row["id"]]
        owner = row["owner"]
        extractive._owner = lambda owner=owner: owner  # the traced owner, not the database's
        question = analyse(row["query"], owner_name=owner)
        message = row["message"]
        own = analyse(message, owner_name=owner) if message and message != row["query"] else None
        more = trace.passages(row["more"])
        assessment = retrieval.assessed(
            question, own, trace.passages(row["passages"]), lambda _key, more=more: more
        )
        evidence = decision.evidence_of(assessment, question, follow_up=own is not None)
        answer = provider.answer(row["query"], assessment.passages)
        body = {"answer": answer.answer, "citations": [asdict(c) for c in answer.citations]}
        answered = score(q, sources, body, 0.0)
        declined = score(q, sources, {"answer": "", "citations": []}, 0.0)
        cases.append(
            Case(
                q.id,
                "",
                q.expect,
                decision.vector(evidence),
                empty=not answer.citations,
                forced=bool(assessment.evidence.get("neighbour")),
                answer_right=answered.ok,
                decline_right=declined.ok,
                text=f"{answer.answer} {[c.title for c in answer.citations]}",
            )
        )
    return cases


def fit(cases: list[Case], vetoes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Logistic regression (IRLS, L2) on the cases a decision is made for (not vetoed); the
    threshold maximising the mean of answer and decline accuracy on them."""
    from chatbot.decision import FEATURES

    names = list(FEATURES)
    index = [names.index(v) for v in vetoes]
    # A question to answer whose answer would be wrong either way teaches nothing: left out.
    train = [
        c
        for c in cases
        if not c.empty
        and not c.forced
        and (c.expect == "decline" or c.answer_right)
        and not any(c.x[i] >= 1.0 for i in index)
    ]
    x = np.array([c.x for c in train])
    y = np.array([1.0 if c.expect == "answer" else 0.0 for c in train])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * L2
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = z.T @ (z * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model = {
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in w[1:]],
        "bias": round(float(w[0]), 6),
        "threshold": 0.5,
        "vetoes": list(vetoes),
    }
    candidates = sorted({round(t, 3) for t in np.linspace(0.05, 0.95, 91)})
    model["threshold"] = max(
        candidates, key=lambda t: (balanced(evaluate(cases, {**model, "threshold": t})), -abs(t - 0.5))
    )
    return model


def evaluate(cases: list[Case], model: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Right answers and right declines (right, of how many) when ``model`` decides."""
    from chatbot.decision import FEATURES, probability, vetoed

    names = list(FEATURES)
    counts = {"answer": [0, 0], "decline": [0, 0]}
    for c in cases:
        evidence = dict(zip(names, c.x, strict=True))
        if c.empty:
            right = c.decline_right
        elif c.forced:
            right = c.answer_right
        else:
            answered = not vetoed(evidence, model) and probability(evidence, model) >= model["threshold"]
            right = c.answer_right if answered else c.decline_right
        counts[c.expect][0] += int(right)
        counts[c.expect][1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def balanced(figures: dict[str, tuple[int, int]]) -> float:
    return sum(r / n for r, n in figures.values() if n) / 2


def line(label: str, figures: dict[str, tuple[int, int]]) -> str:
    (a, na), (d, nd) = figures["answer"], figures["decline"]
    answers = f"answers {a:>3}/{na:<3} {100 * a / max(na, 1):5.1f} %"
    return f"{label:<22} {answers}   declines {d:>3}/{nd:<3} {100 * d / max(nd, 1):5.1f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "trace", type=Path, help="the eval harness's per-question trace (trace.questions.jsonl)"
    )
    parser.add_argument(
        "--veto",
        nargs="*",
        default=list(VETOES),
        help=f"evidence that declines alone, not weighed (default: {' '.join(VETOES)})",
    )
    parser.add_argument("--drop", nargs="*", default=[], help="evidence left out (to measure what it adds)")
    parser.add_argument("--cases", type=Path, help="write every replayed question here (for reading)")
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write no weights")
    args = parser.parse_args(argv)
    rows = [json.loads(x) for x in args.trace.read_text(encoding="utf-8").splitlines() if x.strip()]
    import yaml

    raw = yaml.safe_load((ROOT / "evals" / "chatbot" / "questions.yaml").read_text(encoding="utf-8"))[
        "questions"
    ]
    retired = {r["id"] for r in raw if r.get("retired_heldout")}
    questions = {q.id: q for q in load_questions() if q.part == "tuning"}
    rows = [r for r in rows if r["id"] in questions]
    cases = replay(rows, questions, load_sources())
    if args.drop:  # as if the evidence were never gathered: its neutral value everywhere
        from chatbot.decision import FEATURES

        names = list(FEATURES)
        for case in cases:
            for name in args.drop:
                case.x[names.index(name)] = FEATURES[name]
    for case in cases:
        case.part = blind_part(questions[case.id], retired)
    untraced = len(questions) - len(cases)
    print(f"{len(cases)} tuning questions replayed ({untraced} without a trace: declined before retrieval)")
    print("\nleave one part out (fitted on every other question, scored on the part):")
    total = {"answer": [0, 0], "decline": [0, 0]}
    for part in ("h1", "h2", "h3", "h4", "h5"):
        held = [c for c in cases if c.part == part]
        model = fit([c for c in cases if c.part != part], tuple(args.veto))
        figures = evaluate(held, model)
        for k in total:
            total[k][0] += figures[k][0]
            total[k][1] += figures[k][1]
        print(line(f"  {part} (t={model['threshold']:.2f})", figures))
    print(line("  all five folds", {k: (v[0], v[1]) for k, v in total.items()}))
    model = fit(cases, tuple(args.veto))
    print("\nin sample (fitted and scored on all tuning):")
    for part in ("original", "h1", "h2", "h3", "h4", "h5"):
        print(line(f"  {part}", evaluate([c for c in cases if c.part == part], model)))
    print(line("  tuning", evaluate(cases, model)))
    ceiling = {
        "answer": (
            sum(c.answer_right for c in cases if c.expect == "answer"),
            sum(c.expect == "answer" for c in cases),
        ),
        "decline": (
            sum(c.decline_right for c in cases if c.expect == "decline"),
            sum(c.expect == "decline" for c in cases),
        ),
    }
    print(line("  ceiling (oracle)", ceiling))
    for part in ("original", "h1", "h2", "h3", "h4", "h5"):
        rows_ = [c for c in cases if c.part == part and c.expect == "answer"]
        print(f"  ceiling {part}: {sum(c.answer_right for c in rows_)}/{len(rows_)}")
    if args.cases:
        args.cases.write_text(json.dumps([asdict(c) for c in cases], indent=1), encoding="utf-8")
    print("\nweights (standardised):")
    for name, coef in sorted(zip(model["features"], model["coef"], strict=True), key=lambda x: -abs(x[1])):
        print(f"  {name:<16} {coef:+.3f}")
    if not args.dry_run:
        path = ROOT / "backend" / "chatbot" / "decision.json"
        path.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"\nwritten {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
