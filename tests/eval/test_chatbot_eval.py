"""A fast, fixed subset of the chatbot's evaluation set (`evals/chatbot/`) on the real stack, with
thresholds, so that a regression in retrieval or answers fails `make test`.

The stack, the loading and the scoring are `make eval`'s own (`scripts.eval_chatbot`): chroma, core,
the document processor, its worker and both outboxes on free ports, the sample content, the set's papers
and its PDF loaded through the real endpoints, extractive answers, the offline embedder. Only the
tuning part is used here; the held-out part is never asked by a test.

Where the thresholds come from: `make eval` on 2026-12-07 gave on the first 28 questions, before the
issue-15 retrieval and answer changes (commit da7d9ed), 9 of 22 answers right, 18 of 20 questions with a
source in the first five documents and 5 of 6 declines; after them (the merge of the review fixes),
22 of 22, 20 of 20 and 5 of 6. The third round (evals/chatbot/README.md) added 12 tuning questions
(most of them retired held-out ones) that exercise its rules: short forms, "how many X", identifiers
with digits, named sections, bylines, follow-up and attribute near misses. On all 40, before that
round: 22 of 30, 27 of 27 and 6 of 10; after it: 30 of 30, 27 of 27 and 10 of 10. Each threshold is
one or two questions below the latest figures, so today passes and a regression fails. The fourth
round (the `h3-…` part retired into tuning) added 13 questions that exercise its mechanisms; all 13
failed before it and pass after it. The fifth round (the `h4-…` part retired into tuning) added 8:
four answers that a too-strict slot would decline (all right before and after it) and four declines
it fixes. The sixth round (the learned answer-or-decline decision, `chatbot.decision`) left the subset
at 43 of 43, 37 of 37 and 18 of 18, so the thresholds are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.eval_chatbot import Result, ask, eval_stack, load_questions, load_sources, summarise

#: Tuning questions: every kind, the issue's quoted questions, follow-ups and near-miss declines.
SUBSET = [
    "profile-01", "profile-02", "profile-07",
    "journey-01", "journey-07", "journey-12", "journey-14", "journey-18",
    "project-01", "project-02", "project-04", "project-09", "project-16",
    "tech-01", "tech-03", "tech-09",
    "paper-01", "paper-10", "pdf-01", "pdf-04",
    "followup-01", "followup-07",
    "decline-01", "decline-02", "decline-05", "decline-08", "decline-19", "decline-31",
    # Third round: the rules it added (evals/chatbot/README.md, "A third round").
    "h2-profile-01", "h2-profile-05", "h2-journey-06", "h2-tech-05", "h2-project-06", "project-05",
    "h2-pdf-01", "followup-08",
    "decline-18", "h2-decline-05", "h2-decline-11", "h2-decline-18",
    # Fourth round, on the retired h3-… part: filler words, date spans, acronyms, "X or Y", the
    # leading question word, a journey date line with its sentence; counted words, measures, links.
    "h3-profile-01", "h3-journey-05", "h3-journey-06", "h3-tech-07", "h3-paper-02", "h3-journey-03",
    "h3-decline-09", "h3-decline-12", "h3-decline-27", "h3-decline-28",
    # ... and the journey's order ("and before that?"), "how does he deploy …".
    "h2-followup-03", "h3-followup-08", "h3-tech-05",
    # Fifth round: the slot a question asks to fill ("how many X", "which X", "why"), answered
    # (a count three words ahead, a count just after, a hyphenated count, a name in a heading) and not.
    "paper-16", "h2-paper-06", "h2-pdf-02", "h3-followup-02",
    "h4-decline-10", "h4-decline-11", "h4-decline-19", "h3-decline-23",
]  # fmt: skip
MIN_RIGHT_ANSWERS = 41  # of 43 (43 of 43 before and after round 5)
MIN_RECALL_HITS = 36  # of 37 ranked (follow-ups are not ranked; 37 before and after round 5)
MIN_RIGHT_DECLINES = 17  # of 18 (14 of 18 before round 5, 18 of 18 after)


@pytest.fixture(scope="module")
def results() -> Iterator[list[Result]]:
    sources = load_sources()
    by_id = {q.id: q for q in load_questions()}
    with eval_stack() as stack:
        yield [ask(stack, by_id[qid], sources) for qid in SUBSET]


def test_the_subset_is_tuning_only_and_covers_every_kind() -> None:
    by_id = {q.id: q for q in load_questions()}
    chosen = [by_id[qid] for qid in SUBSET]
    assert {q.part for q in chosen} == {"tuning"}
    assert {q.kind for q in chosen} == {q.kind for q in by_id.values()}


def test_answers_cite_the_right_source_and_carry_the_fact(results: list[Result]) -> None:
    answers = [r for r in results if r.expect == "answer"]
    right = [r.id for r in answers if r.ok]
    assert len(right) >= MIN_RIGHT_ANSWERS, failures(answers)


def test_retrieval_ranks_a_required_source_in_the_first_five(results: list[Result]) -> None:
    ranked = [r for r in results if r.ranked]
    figures = summarise(ranked)
    hits = sum(1 for r in ranked if r.rank is not None and r.rank <= 5)
    assert hits >= MIN_RECALL_HITS, (figures["recall_at_5"], failures(ranked))


def test_near_misses_are_declined(results: list[Result]) -> None:
    declines = [r for r in results if r.expect == "decline"]
    right = [r.id for r in declines if r.ok]
    assert len(right) >= MIN_RIGHT_DECLINES, failures(declines)


def failures(results: list[Result]) -> str:
    return "\n".join(f"{r.id} {r.question!r}: {'; '.join(r.problems)}" for r in results if r.problems)
