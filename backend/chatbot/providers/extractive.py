"""The offline provider: one to three retrieved sentences that carry the asked-for fact, each cited.

Passages are cut into sentences by :func:`chatbot.text.split_structured` (headings are never
sentences; a heading may stand in front of the sentence it introduces). A sentence scores by the
question's content terms it holds, each weighted by its rarity among the passages' sentences, the
*focus* terms (those not already in the passage's title: the thing asked about the subject) twice;
by the words that answer the question's type (:mod:`chatbot.question`: "Education …" for "where did
he study?"); and by its passage's rank. Chatter ("tell", "about", "know", "he") never counts.

* A question that only names its subject ("tell me about evalkit") is answered by the opening of
  the passage whose title names it.
* A "technologies" question about the owner lists the tech stack, from the tech stack's own
  document; "does he know kubernetes?" quotes the stack's line that names it.
* Otherwise the best sentence and up to two more that score at least :data:`MIN_RELATIVE_SCORE` of
  it (a sentence two passages share counted once) are quoted in reading order, each followed by its
  ``[n]`` marker: the text is "sentence [n] sentence [m] …". A journey entry's date line brings the
  sentence it introduces (what the entry was).

Retrieved text is only ever quoted, never interpreted, so an instruction inside it has no effect
beyond being a sentence that may or may not match the question.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from chatbot.providers.base import Answer, Mode, cite, declined
from chatbot.question import SOFT, Question, Term, analyse
from chatbot.relevance import correct
from chatbot.retrieval import Passage, owner_name
from chatbot.slots import asked_slot, fills
from chatbot.text import Sentence, split_sentences, split_structured, vocabulary

MAX_SENTENCES = 3
MAX_SENTENCE_CHARS = 400
LEAD_SENTENCES = 2
#: A sentence joins the best one when it scores at least this share of it.
MIN_RELATIVE_SCORE = 0.3
#: Each step down the passage ranking costs a sentence this share of its score.
RANK_DECAY = 0.15
_DESCRIBE = re.compile(r"\b(?:about|what(?: i|')s|what are|tell|describe|explain|overview|summar)", re.I)
#: Question types whose answer is one kind of fact (a date, a place, a degree).
FACT_TYPES = ("timeline", "location", "education", "byline")
_COUNTING = re.compile(r"\bhow (?:many|much)\b|\bby how\b", re.I)
#: A figure: digits, or a number written out.
_NUMBER = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?"
    r"|millions?|billions?|half|twice|double|triple)\b",
    re.I,
)
_LABEL = re.compile(r"^[A-Z][A-Za-z &/-]{1,30}: ")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class Scored:
    score: float
    passage: int  # 1-based
    position: int
    sentence: Sentence
    held: frozenset[str]
    prefix: bool = False
    #: The passage's title goes in front (a project's technology line answering "which project …?").
    title: bool = False
    #: The score without the subject's share: what the sentence adds to naming the subject.
    core: float = 0.0
    #: Holds a word that answers the question's type (a date for "when …?").
    typed: bool = False

    def quote(self, passages: list[Passage]) -> str:
        text = self.sentence.quoted(with_heading=self.prefix)
        if self.title:
            text = f"{passages[self.passage - 1].title}: {text}"
        return _clip(text)


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + "…"


class ExtractiveProvider:
    mode: Mode = "extractive"

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        if not passages:
            return declined(self.mode)
        asked = correct(analyse(question, owner_name=_owner()), passages)
        chosen = (
            self._neighbour(asked, passages)
            or self._stack(asked, passages)
            or self._projects(asked, passages)
        )
        if not chosen:
            chosen = self._choose(asked, passages)
            if chosen is None:  # the question's slot is filled by no sentence retrieved
                return declined(self.mode)
            chosen = chosen or self._lead(passages)
        if not chosen:
            return declined(self.mode)
        chosen = _with_what_dates_introduce(chosen, passages)
        chosen.sort(key=lambda c: (c.passage, c.position))
        quoted = [c.quote(passages) for c in chosen]
        text = " ".join(f"{q} [{c.passage}]" for q, c in zip(quoted, chosen, strict=True))
        snippets: dict[int, str] = {}
        for q, c in zip(quoted, chosen, strict=True):
            snippets.setdefault(c.passage, q)
        return cite(text, passages, self.mode, snippets)

    def _choose(self, asked: Question, passages: list[Passage]) -> list[Scored] | None:
        """The sentences that answer ``asked``; None when it asks for a slot (:mod:`chatbot.slots`)
        that no candidate sentence fills."""
        sentences = [
            (number, position, sentence)
            for number, passage in enumerate(passages, start=1)
            if not passage.fallback
            for position, sentence in enumerate(split_structured(passage.text, passage.heading_path))
        ]
        if not sentences:
            return []
        vocab = [vocabulary(s.text) for _, _, s in sentences]
        heads = [vocabulary(s.heading or "") if s.lead else set() for _, _, s in sentences]
        # A section the question names in its own words ("how does it work?" -> "How it works",
        # "why …?" -> "Why"): its sentences answer it, though they repeat none of its terms.
        in_section = [asked.names_section(s.heading) for _, _, s in sentences]
        titles = {n: vocabulary(" ".join([p.title, *p.heading_path])) for n, p in enumerate(passages, 1)}
        n = len(sentences)

        def idf(term: Term) -> float:
            df = sum(1 for v in vocab if term.within(v))
            return math.log((n + 1) / (df + 0.5)) + 1.0

        weights = {t.stem: idf(t) for t in asked.terms}
        answer = asked.answer_stems
        counting = bool(_COUNTING.search(asked.text))
        asked_kinds = {f["kind"] for f in asked.filters()} | asked.kinds
        entry_kinds = {f["entry_kind"] for f in asked.filters() if "entry_kind" in f}
        # Terms a passage title holds name the subject: sentences about another subject are no answer.
        named = {n for n in titles if any(t.within(titles[n]) for t in asked.terms)}
        candidates: list[Scored] = []
        for index, (number, position, sentence) in enumerate(sentences):
            words_here = vocab[index] | heads[index]
            holding = [t for t in asked.terms if t.within(words_here)]
            held = frozenset(t.stem for t in holding)
            focus = sum(weights[t.stem] for t in holding if not t.within(titles[number]))
            subject = sum(weights[t.stem] for t in holding if t.within(titles[number]))
            typed = 1.0 if answer & words_here else 0.0
            # "How many …?", "how much …?": the answer is a number next to what is counted.
            if counting and (holding or not asked.terms) and _NUMBER.search(sentence.text):
                typed = 1.0
            passage = passages[number - 1]
            if entry_kinds and not held and passage.entry_kind not in entry_kinds:
                typed = 0.0  # "when did he graduate?" is not answered by a job's dates
            kind = 0.5 if passage.kind in asked_kinds else 0.0
            rank = 1.0 + RANK_DECAY * (number - 1)
            # As if it held every term the question asks about its subject.
            section = 2.0 * sum(weights.values()) + 1.0 if in_section[index] else 0.0
            core = (2.0 * focus + 1.5 * typed + kind + section) / rank
            score = core + 0.5 * subject / rank
            prefix = bool(
                sentence.lead and sentence.heading and (held | (answer & heads[index])) - vocab[index]
            )
            # A journey entry's first line ("Work, April 2022 to present") says whose it is only
            # with its heading; so does the profile's headline.
            prefix = prefix or bool(
                sentence.lead
                and (
                    passage.kind == "journey" or any(asked.has(n) for n in ("education", "career", "person"))
                )
            )
            if focus or section or (typed and (held or number in named or passage.kind in asked_kinds)):
                # "which project uses Kubernetes?": the answer is the project, named by its title.
                title = bool(passage.kind in asked.kinds and not sentence.lead)
                candidates.append(
                    Scored(score, number, position, sentence, held, prefix, title, core, bool(typed))
                )
        # About the owner, not a titled subject: "what did he build at work?" asks about his jobs.
        owner = asked.has("person") or asked.has("opinion") or (asked.about_owner and asked.has("career"))
        # Trusted when retrieval agrees (the best passage is a titled one): "which paper uses
        # reinforcement learning?" is not about the job whose title says "Machine Learning".
        if named and not owner and 1 in named:
            candidates = [c for c in candidates if c.passage in named]
        # "When …?", "where …?": the asked-for fact is a date or a place; a sentence without one
        # is no answer however many of the question's words it holds.
        if (counting or any(asked.has(name) for name in FACT_TYPES)) and any(c.typed for c in candidates):
            candidates = [c for c in candidates if c.typed]
        # "How many X", "which X", "why": a sentence holding the subject but not what is asked of it
        # is no answer, and none filling the slot declines the question.
        slot = asked_slot(asked)
        if slot is not None:
            candidates = [
                c
                for c in candidates
                if fills(
                    slot,
                    asked,
                    c.sentence.text,
                    heading=c.sentence.heading if c.prefix else None,
                    section=bool(asked.names_section(c.sentence.heading)),
                    # A project's title names it; a paper's describes what it is about.
                    title=None if passages[c.passage - 1].from_papers else passages[c.passage - 1].title,
                )
            ]
            if not candidates:
                return None
        # Vague words ("best", "fast") ask for no particular sentence when no sentence holds them.
        firm = _firm(asked, vocab)
        subject_only = (
            slot is None and firm and all(any(t.within(titles[number]) for number in titles) for t in firm)
        )
        chosen: list[Scored] = []
        if (subject_only and not owner) or not candidates:
            opening = self._opening(asked, passages, sentences, titles)
            if opening is not None and (not candidates or _DESCRIBE.search(asked.text) or not asked.intents):
                chosen.append(opening)
                if not candidates:  # nothing particular asked: the opening and what follows it
                    chosen += [
                        Scored(0.0, number, position, sentence, frozenset())
                        for number, position, sentence in sentences
                        if number == opening.passage
                        and position > opening.position
                        and not _LABEL.match(sentence.text)
                    ][: MAX_SENTENCES - 1]
            candidates = [c for c in candidates if c.passage == (opening.passage if opening else c.passage)]
        candidates.sort(key=lambda c: (-c.score, c.passage, c.position))
        if candidates:
            best = max(c.core for c in candidates)
            for candidate in candidates:
                if len(chosen) >= MAX_SENTENCES:
                    break
                if candidate.core < MIN_RELATIVE_SCORE * best:
                    continue
                if any(c.passage == candidate.passage and c.position == candidate.position for c in chosen):
                    continue
                # The paper's indexed abstract and its PDF hold the same sentence: quote it once.
                if any(c.sentence.text == candidate.sentence.text for c in chosen):
                    continue
                chosen.append(candidate)
        return chosen

    @staticmethod
    def _opening(
        asked: Question,
        passages: list[Passage],
        sentences: list[tuple[int, int, Sentence]],
        titles: dict[int, set[str]],
    ) -> Scored | None:
        """The first prose sentence of the passage whose title names the question's subject: the
        document's opening chunk when it was retrieved, else the best ranked one."""
        firm = _firm(asked, [vocabulary(s.text) for _, _, s in sentences])
        naming = [n for n in titles if not firm or all(t.within(titles[n]) for t in firm)]
        naming.sort(key=lambda n: (passages[n - 1].chunk_index != 0, n))
        for number in naming:
            for _, position, sentence in (s for s in sentences if s[0] == number):
                # A chunk cut mid-sentence (its overlap with the one before) starts with a fragment.
                fragment = position == 0 and sentence.text[:1].islower() and not sentence.heading
                if not _LABEL.match(sentence.text) and not fragment:
                    return Scored(0.0, number, position, sentence, frozenset(), prefix=sentence.lead)
        return None

    @staticmethod
    def _neighbour(asked: Question, passages: list[Passage]) -> list[Scored]:
        """ "And before that?": the journey entry retrieval chose as the subject's neighbour (it holds
        none of the subject's terms), by its heading and dates and what follows them."""
        if asked.order is None or len(passages) != 1 or passages[0].kind != "journey":
            return []
        passage = passages[0]
        if any(t.within(vocabulary(f"{passage.title} {passage.text}")) for t in asked.terms):
            return []
        sentences = split_structured(passage.text, passage.heading_path)
        if not sentences:
            return []
        return [Scored(0.0, 1, 0, sentences[0], frozenset(), prefix=sentences[0].lead)]

    @staticmethod
    def _projects(asked: Question, passages: list[Passage]) -> list[Scored]:
        """ "What did he build?": the opening of each project retrieved, titled, at most three."""
        if not asked.has("projects") or asked.terms:
            return []
        chosen: list[Scored] = []
        seen: set[str | None] = set()
        for number, passage in enumerate(passages, start=1):
            if passage.kind != "project" or passage.document_key in seen:
                continue
            opening = next(
                (
                    (position, sentence)
                    for position, sentence in enumerate(split_structured(passage.text, passage.heading_path))
                    if sentence.lead and not _LABEL.match(sentence.text)
                ),
                None,
            )
            if opening is not None:
                seen.add(passage.document_key)
                chosen.append(Scored(1.0, number, opening[0], opening[1], frozenset(), prefix=True))
        return chosen[:MAX_SENTENCES]

    @staticmethod
    def _stack(asked: Question, passages: list[Passage]) -> list[Scored]:
        """A technologies question about the owner: the stack's lines that name the asked-for
        technologies, or the whole stack in one sentence, cited to the tech stack."""
        if not asked.has("technology"):
            return []
        stack = [(n, p) for n, p in enumerate(passages, start=1) if p.kind == "tech_stack"]
        if not stack:
            return []
        others = [p for p in passages if p.kind != "tech_stack"]
        # "what was the RAG assistant built with?": its subject is a project, not the owner.
        if asked.terms and any(
            all(t.within(vocabulary(p.title)) for t in asked.terms) for p in others if p.kind == "project"
        ):
            return []
        lines = sorted(
            (
                (n, position, sentence)
                for n, p in stack
                for position, sentence in enumerate(split_structured(p.text, p.heading_path))
            ),
            key=lambda line: (line[2].heading or "").lower(),
        )
        # "whats his tech stak": a word of the stack's own title names no technology.
        # A vague word ("strongest") names no line when no line holds it: the whole stack answers.
        lines_vocabulary = [vocabulary(sentence.text) for _, _, sentence in lines]
        specific = [
            t
            for t in asked.terms
            if not t.within(vocabulary(stack[0][1].title))
            and (t.stem not in SOFT or any(t.within(v) for v in lines_vocabulary))
        ]
        if specific:
            named = [
                Scored(1.0, n, position, sentence, frozenset())
                for n, position, sentence in lines
                if any(t.within(vocabulary(sentence.text)) for t in specific)
            ]
            return named[:MAX_SENTENCES]
        listing = "; ".join(_PARENTHESES.sub("", sentence.text).rstrip(".") for _, _, sentence in lines)
        first = stack[0][0]
        return [Scored(1.0, first, 0, Sentence(f"{listing}."), frozenset())]

    @staticmethod
    def _lead(passages: list[Passage]) -> list[Scored]:
        """A chosen paper's abstract answers a question none of its sentences match by its opening."""
        for number, passage in enumerate(passages, start=1):
            if passage.fallback:
                sentences = split_sentences(passage.text)[:LEAD_SENTENCES]
                return [Scored(0.0, number, i, Sentence(s), frozenset()) for i, s in enumerate(sentences)]
        return []


def _with_what_dates_introduce(chosen: list[Scored], passages: list[Passage]) -> list[Scored]:
    """A journey entry's opening line only dates it ("Work, July 2019 to March 2022"): quoted, it
    brings the sentence it introduces, which says what the entry was ("Ranking and recommendation
    for a learning platform …"), while the answer has room."""
    out = list(chosen)
    for c in chosen:
        passage = passages[c.passage - 1]
        if passage.kind != "journey" or not c.sentence.lead or len(out) >= MAX_SENTENCES:
            continue
        following = split_structured(passage.text, passage.heading_path)[c.position + 1 : c.position + 2]
        taken = any(o.passage == c.passage and o.position == c.position + 1 for o in out)
        if following and not taken:
            out.append(Scored(0.0, c.passage, c.position + 1, following[0], frozenset()))
    return out


def _firm(asked: Question, vocab: list[set[str]]) -> list[Term]:
    """The question's terms but the vague ones (:data:`chatbot.question.SOFT`) no sentence holds
    ("how fast" is a latency figure when a sentence states one, else nothing particular)."""
    return [t for t in asked.terms if t.stem not in SOFT or any(t.within(v) for v in vocab)]


def _owner() -> str:
    try:
        return owner_name()
    except Exception:
        return ""
