"""The relevance floor and the rerank of retrieved passages, from features of each hit; no model.

``/search`` fuses a cosine ranking with a keyword ranking by reciprocal rank fusion. Neither score
says whether the question is *answered*: MiniLM gives "What licence is evalkit under?" a higher
cosine with the evalkit pages than "Where did Vasu study?" gets with the journey, and a keyword
side that ranks by any matched term matches "work" in "Did he work at Google?". What does say it
is whether the question's own content terms occur in what was retrieved:

* **floor** — the question is declined when a name the visitor capitalised ("Google", "PhD")
  occurs nowhere in the retrieved text, or when less than ``CHATBOT_TERM_COVERAGE`` of its content
  terms (weighted by rarity among the hits) occur there. A typo within one or two edits of a word of
  the hits counts as that word ("evalkt", "kubernets"). A question without content terms ("what
  technologies does he use?") needs a question type and a hit of the kind that type asks for.
  A passage holding none of the question's firm terms is never kept for its kind alone, and a
  question about the owner ("he", "his") is never answered from papers or their PDFs. Some terms
  must be found whatever the share: an identifier with digits in its own form ("7b"), what a
  "how many" question counts (in the passage kept), an organisation, place, licence or attribute
  the question names (:attr:`chatbot.question.Term.slot`, as its own word), and a follow-up's own
  terms (the share counted without the subject carried from the earlier turn). Either side of an
  "X or Y" found counts for both. A measure ("what accuracy …") needs a figure (not a year) in the
  passages holding most of the question's terms, and a question asking for a link ("is it on
  github?") an address in a passage of its subject. A follow-up asking only what came after or
  before its subject ("and before that?") is answered by the neighbouring journey entry
  (:func:`journey_neighbour`), whatever words it shares.
* **rerank** — the passages left are ordered by a weighted sum of features: the share of the
  question's terms the passage holds, title or heading hits, the document kind the question type
  asks for, the cosine, and the keyword rank (:data:`WEIGHTS`, chosen by hand and checked on the
  evaluation set's tuning part; no model). The fused order stays the tie-breaker. This reorders
  the fused candidates in core; the document processor's reciprocal rank fusion is unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from chatbot.question import MEASURES, SOFT, Question, Term, edits_within, typos
from chatbot.text import stem, vocabulary, words

if TYPE_CHECKING:
    from chatbot.retrieval import Passage

#: Rerank feature weights (see module docstring).
WEIGHTS = {
    "terms": 3.0,
    "title": 1.0,
    "kind": 1.5,
    "answer": 0.75,
    "vector": 1.0,
    "keyword": 0.5,
    "section": 1.5,
}
#: A figure, and the years a figure is not.
_FIGURE = re.compile(r"\d")
_YEARS = re.compile(r"\b(?:19|20)\d\d\b")
#: A passage scoring under this share of the best one is not quoted from.
RELATIVE_CUT = 0.35


@dataclass(frozen=True)
class Features:
    """What one passage holds of the question."""

    body: set[str]
    head: set[str]
    kind_match: bool


def _features(question: Question, passage: Passage) -> Features:
    head = vocabulary(" ".join([passage.title, *passage.heading_path]))
    kinds = {passage.kind, f"{passage.kind}:{passage.entry_kind}"}
    wanted = {f["kind"] + (f":{f['entry_kind']}" if "entry_kind" in f else "") for f in question.filters()}
    wanted |= set(question.kinds)
    return Features(vocabulary(passage.text) | head, head, bool(kinds & wanted))


def correct(question: Question, passages: Sequence[Passage]) -> Question:
    """``question`` with each term that no passage holds replaced by a hit's word a typo away."""
    known: set[str] = set()
    for passage in passages:
        known |= {w.strip(".") for w in words(f"{passage.title} {passage.text}") if len(w) >= 4}
    stems = {stem(w) for w in known}
    terms: list[Term] = []
    for term in question.terms:
        # What a "how many" question counts is taken as typed: "stars" is no typo of "starts";
        # so is a number ("2019" is no typo of "2018").
        if term.within(stems) or len(term.word) < 4 or term.asked or any(c.isdigit() for c in term.word):
            terms.append(term)
            continue
        # Two edits only inside the word: "kubernets" is "kubernetes", "simulator" is not "simulated".
        close = sorted(
            w
            for w in known
            if w[0] == term.word[0]
            and edits_within(term.word, w, typos(term.word))
            and (w[-1] == term.word[-1] or edits_within(term.word, w, 1))
        )
        if close:
            base = stem(close[0])
            terms.append(replace(term, word=close[0], stem=base, matches=frozenset({base})))
        else:
            terms.append(term)
    return replace(question, terms=tuple(terms))


def _holding_the_asked_for(question: Question, passages: Sequence[Passage]) -> list[Passage]:
    """The passages that hold every identifier of the question ("7b", "gpt-4": that exact form)
    and every word naming what it asks for ("how many *users*"); none when no passage does.

    "How fast does the 7B model run?" is not answered by the 3B model's speed, nor "how many
    users does it serve?" by a passage about the same project that counts no users."""
    identifiers = [t for t in question.terms if t.identifier]
    asked = [t for t in question.terms if t.asked and not t.identifier]
    if not identifiers and not asked:
        return list(passages)
    kept = []
    for passage in passages:
        text = " ".join([passage.title, *passage.heading_path, passage.text])
        body = vocabulary(text)
        if all(t.found_in(text) for t in identifiers) and all(t.within(body) for t in asked):
            kept.append(passage)
    return kept


def _idf(terms: Sequence[Term], features: Sequence[Features]) -> dict[str, float]:
    n = len(features)
    return {
        term.stem: math.log((n + 1) / (0.5 + sum(1 for f in features if term.within(f.body)))) + 1.0
        for term in terms
    }


@dataclass(frozen=True)
class Assessment:
    """The passages that may answer a question, best first, and the evidence whether they do.

    ``evidence`` holds the floor's signals as numbers (:data:`chatbot.decision.FEATURES`): what share
    of the question's terms the passages hold, whether a name, a slot word, an identifier, a figure
    or a link the question asks for is missing, the retrieval scores, the question's shape. Whether
    the question is answered is :func:`chatbot.decision.answerable`'s call, not a rule's."""

    passages: list[Passage]
    evidence: dict[str, float]


def rank(
    question: Question, passages: Sequence[Passage], *, limit: int, own: Question | None = None
) -> list[Passage]:
    """The passages that answer ``question``, best first, at most ``limit``; none when the learned
    decision (:mod:`chatbot.decision`) declines the question on its evidence (:func:`assess`)."""
    from chatbot import decision

    assessment = assess(question, passages, limit=limit, own=own)
    return assessment.passages if decision.answerable(assessment, question, follow_up=own is not None) else []


def assess(
    question: Question, passages: Sequence[Passage], *, limit: int, own: Question | None = None
) -> Assessment:
    """The passages ordered by the rerank (see module docstring), at most ``limit``, and the
    evidence whether they answer ``question``. ``own``: a follow-up as typed, without the earlier
    subject ``question`` carries; its own firm terms are counted by themselves."""
    if question.about_owner:  # "what's his phone number?" is not answered by a paper about phones
        passages = [p for p in passages if not p.from_papers]
    if not passages:
        return Assessment([], {})
    # "whats his job at lumen" then "and before that?": the journey entry next to the subject's.
    if own is not None and own.asks_for_a_neighbour and own.order:
        neighbour = journey_neighbour(question, passages, own.order)
        if neighbour is not None:
            return Assessment([neighbour], {"neighbour": 1.0})
    question = correct(question, passages)
    evidence: dict[str, float] = {}
    holding = _holding_the_asked_for(question, passages)
    # "How fast does the 7B model run?": no passage holds the identifier or the counted thing.
    evidence["asked_missing"] = float(not holding)
    passages = holding or list(passages)
    features = [_features(question, p) for p in passages]
    idf = _idf(question.terms, features)
    total = sum(idf.values())
    required = [t for t in question.terms if t.stem not in SOFT]
    evidence["no_firm_terms"] = float(not required)
    evidence["terms"] = math.log1p(len(required))
    if required:
        held_by = {t.stem for t in required if any(t.within(f.body) for f in features)}
        # "langchain or llamaindex": either alternative found answers for both.
        found = held_by | {t.stem for t in required if t.either in held_by}
        missing = [t for t in required if t.stem not in found]
        evidence["coverage"] = len(found) / len(required)
        weight = sum(idf[t.stem] for t in required)
        evidence["coverage_idf"] = sum(idf[t.stem] for t in required if t.stem in found) / weight
        evidence["missing"] = math.log1p(len(missing))
        evidence["name_missing"] = float(any(t.name for t in missing))
        texts = [" ".join([p.title, *p.heading_path, p.text]) for p in passages]
        evidence["slot_missing"] = float(
            any(
                t.slot and t.either not in held_by and not any(t.named_in(text) for text in texts)
                for t in required
            )
        )
        # "feature store lite" then "does it use redis?": the subject is found, redis is not.
        mine = [t for t in (correct(own, passages).terms if own else ()) if t.stem not in SOFT]
        if mine:
            evidence["own_coverage"] = sum(any(t.within(f.body) for f in features) for t in mine) / len(mine)
        # "Is it on github?": a question asking for where its subject's code or demo lives is
        # answered by a link, and no passage of the subject holds one.
        if question.asks_for_link and {i.name for i in question.intents} <= {"code", "contact"}:
            links = [
                "http" in p.text
                for p, f in zip(passages, features, strict=True)
                if any(t.within(f.body) for t in required)
            ]
            evidence["link_missing"] = float(bool(links) and not any(links))
        # "What accuracy did his model at X get?": a measure is a figure, and none of the passages
        # holding most of the question's terms states one (years aside).
        if any(t.stem in MEASURES for t in question.terms):
            counts = [sum(t.within(f.body) for t in required) for f in features]
            evidence["figure_missing"] = float(
                not any(
                    _FIGURE.search(_YEARS.sub(" ", p.text))
                    for p, n in zip(passages, counts, strict=True)
                    if n == max(counts)
                )
            )
        # Three terms or more, each in some hit, may still be in no one place: a question about
        # "MedProbe's radiology reports" is not answered by MedProbe and by evalkit's reports.
        evidence["together"] = max(
            sum(_holds(t, required, f.body) for t in required) for f in features
        ) / len(required)
    elif question.terms:  # only vague words: "what's his take on latency?" yes, "how old is he?" no
        # ... and "what's his strongest language?": the tech stack states strengths in figures.
        held = any(t.within(f.body) for t in question.terms for f in features)
        evidence["vague_unheld"] = float(
            not question.intents or not (held or any(f.kind_match for f in features))
        )
    else:
        evidence["untyped"] = float(
            not (question.intents or question.kinds) or not any(f.kind_match for f in features)
        )
    answer = question.answer_stems
    scored: list[tuple[float, int, Passage]] = []
    # Documents a passage of which holds a firm term: their section the question names in its own
    # words ("how does the chatbot work?": "How it works") answers it, though it repeats no term.
    subjects = {
        p.document_key
        for p, f in zip(passages, features, strict=True)
        if any(t.within(f.body) for t in required)
    }
    for order, (passage, feature) in enumerate(zip(passages, features, strict=True)):
        held = [t for t in question.terms if t.within(feature.body)]
        section = bool(
            passage.heading_path
            and passage.document_key in subjects
            and question.names_section(passage.heading_path[-1])
        )
        # A passage holding none of the question's firm terms is not quoted because of its kind
        # alone: "who funded the X paper?" is not answered by the profile.
        if required and not section and not any(t.within(feature.body) for t in required):
            continue
        if question.terms and not held and not feature.kind_match and not section:
            continue
        in_title = [t for t in question.terms if t.within(feature.head)]
        score = (
            WEIGHTS["terms"] * (sum(idf[t.stem] for t in held) / total if total else 0.0)
            + WEIGHTS["title"] * (len(in_title) / len(question.terms) if question.terms else 0.0)
            + WEIGHTS["kind"] * feature.kind_match
            + WEIGHTS["section"] * section
            + WEIGHTS["answer"] * bool(answer & feature.body)
            + WEIGHTS["vector"] * max(passage.vector or 0.0, 0.0)
            + WEIGHTS["keyword"] * (1.0 / passage.keyword_rank if passage.keyword_rank else 0.0)
        )
        scored.append((score, order, passage))
    if not scored:
        return Assessment([], evidence)
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = scored[0][0]
    top = scored[0][2]
    top_feature = features[scored[0][1]]
    evidence["score"] = best
    evidence["vector"] = max(top.vector or 0.0, 0.0)
    evidence["max_vector"] = max(max(p.vector or 0.0, 0.0) for _, _, p in scored)
    evidence["keyword"] = 1.0 / top.keyword_rank if top.keyword_rank else 0.0
    evidence["kind_match"] = float(top_feature.kind_match)
    evidence["top_terms"] = (
        sum(idf[t.stem] for t in question.terms if t.within(top_feature.body)) / total if total else 0.0
    )
    evidence["top_title"] = float(any(t.within(top_feature.head) for t in question.terms))
    evidence["from_papers"] = float(top.from_papers)
    ranked = [
        replace(passage, score=round(score, 6))
        for score, _, passage in scored[:limit]
        if score >= RELATIVE_CUT * best
    ]
    return Assessment(ranked, evidence)


_MONTHS = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]
_START = re.compile(r"\b(?:(" + "|".join(_MONTHS) + r")\s+)?((?:19|20)\d\d)\b", re.IGNORECASE)


def _start(passage: Passage) -> tuple[int, int] | None:
    """When a journey entry began: the first date of its text ("Work, July 2019 to …"), as (year, month)."""
    match = _START.search(passage.text)
    if match is None:
        return None
    month = _MONTHS.index(match.group(1).lower()) + 1 if match.group(1) else 1
    return int(match.group(2)), month


def journey_neighbour(question: Question, passages: Sequence[Passage], order: str) -> Passage | None:
    """The journey entry (work or education, not a milestone) that began next after (``order``
    "after") or last before the entry the question's terms name, among ``passages``; None when the
    subject is no journey entry or it has no such neighbour."""
    entries = [p for p in passages if p.kind == "journey" and p.entry_kind != "milestone" and _start(p)]
    anchor = next(
        (
            p
            for p in entries
            if any(t.within(vocabulary(" ".join([p.title, *p.heading_path, p.text]))) for t in question.terms)
        ),
        None,
    )
    if anchor is None:
        return None
    began = _start(anchor)
    others = [p for p in entries if p.document_key != anchor.document_key]
    if order == "after":
        later = [p for p in others if (_start(p) or (0, 0)) > (began or (0, 0))]
        return min(later, key=lambda p: (_start(p), p.chunk_index or 0), default=None)
    earlier = [p for p in others if (_start(p) or (0, 0)) < (began or (0, 0))]
    return max(earlier, key=lambda p: (_start(p), -(p.chunk_index or 0)), default=None)


def _holds(term: Term, terms: Sequence[Term], body: set[str]) -> bool:
    """Whether ``body`` holds ``term`` or the alternative it stands for ("X or Y")."""
    return term.within(body) or any(t.stem == term.either and t.within(body) for t in terms)


def unanswered(question: Question, passages: Sequence[Passage]) -> bool:
    """Whether the best passage's document is the question's subject (its title holds a term) while
    none of the document's retrieved passages holds the question's other terms."""
    best = passages[0]
    same = [p for p in passages if p.document_key == best.document_key]
    title = vocabulary(" ".join([best.title, *best.heading_path]))
    rest = [t for t in question.terms if not t.within(title)]
    if not rest or len(rest) == len(question.terms):
        return False
    return not any(t.within(vocabulary(p.text)) for t in rest for p in same)
