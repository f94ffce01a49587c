"""The slot a question asks to have filled, and whether a sentence fills it.

A sentence that holds the question's subject is no answer when it does not state what the question
asks *about* that subject: "how many analysts used the assistant?" is not answered by "… cutting
time-to-answer for analysts by 40%", "which diffusion model did the attack use?" not by "… with an
off-the-shelf diffusion model", "why did he leave Quillpath?" not by what he did there. The slot is
read from the question's leading words (the question word and the noun after it), and filling it is
judged from the sentence's shape, not from lists of words:

* **count** ("how many X"; X its one or two words, "github stars"): a number standing before X, at
  most three words ahead of it ("112 classification and regression datasets"), or right after it
  ("deadlocks from eleven …"; not "by", which gives a change, not a count);
* **instance** ("which X"): a name in the sentence: a capitalised word that does not open the
  sentence, or a word mixing letters with digits or capitals ("BM25", "Kestrel-8"), that the question
  does not itself hold, within four words of X when the sentence says X (a name elsewhere in it
  names something else: "… a cross-encoder … a dataset, LexiPairs" names no cross-encoder); a
  generic phrase ("an off-the-shelf X", "a small X") names none. The title of one of the owner's
  documents is the instance when X is in it and is the question's only word for that document
  ("which RAG pipeline uses Chroma?"; a paper's title describes, it does not name). "Which
  project / paper" is answered by a title, and "which X is best" asks a judgement, so neither asks
  an instance of the sentence;
* **reason** ("why"; not "why not X?" nor "why is he so into X?", which a statement answers): a
  causal or purposive connective ("because", "so that", "to avoid", "since" …), or a section the
  question names ("Why").

A question with a slot is declined when no candidate sentence fills it (:mod:`chatbot.providers.extractive`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.question import CHATTER, KIND_WORDS, SOFT, Question, asked_for, normalise
from chatbot.text import STOPWORDS, stem, vocabulary, words

#: Words between "which" and the thing asked for ("which kind of model").
_SKIP = frozenset(
    ["kind", "kinds", "sort", "sorts", "type", "types", "of", "exact", "specific", "particular"]
)
#: A number: digits (not a bare year), or one written out.
_NUMBER = re.compile(
    r"^(?:~?\d[\d,.]*[%kmbx]?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|dozens?)$",
    re.I,
)
#: What may stand between a counted noun and the number that follows it ("deadlocks from eleven").
_AFTER_COUNTED = frozenset(["from", "of", "to", "at", "is", "was", "were", "are", "=", "totalling", "about"])
#: Connectives that give a cause or a purpose.
_CAUSAL = re.compile(
    r"\b(?:because|since|so that|so as to|in order to|due to|owing to|as a result|therefore|thus|hence"
    r"|otherwise|which means|reason|caused?|to avoid|to keep|to prevent|to reduce|to make|so)\b",
    re.I,
)
#: How many words from the thing asked for a name of it stands ("PyTorch, a deep learning framework").
_NEAR = 4
#: A word, or a figure with its separators ("2,400", "3.1").
_TOKEN = re.compile(r"\d[\d,.]*\d|[A-Za-z0-9][A-Za-z0-9+#.\-/]*")


@dataclass(frozen=True)
class Slot:
    """What the question asks for: ``count`` (of ``noun``), ``instance`` (of ``noun``) or ``reason``."""

    kind: str
    noun: str = ""


def asked_slot(question: Question) -> Slot | None:
    """The slot ``question`` asks to fill, or None when its words ask for no particular one."""
    typed = [w.strip(".?!,") for w in words(question.text)]
    leading = next(
        (i for i, w in enumerate(typed) if w in ("how", "which", "why", "what", "who", "when", "where")), None
    )
    if leading is None:
        return None
    word = typed[leading]
    if word == "why":
        # "Why not X?" asks what speaks against X, "why is he so into X?" for his own view: a
        # statement answers either, connective or not.
        if typed[leading + 1 : leading + 2] == ["not"] or question.has("opinion"):
            return None
        return Slot("reason")
    if word == "how" and leading + 1 < len(typed) and typed[leading + 1] == "many":
        # What is counted, also when it is a word that types the question ("how many downloads").
        counted = [t.word for t in question.terms if t.asked] or asked_for(normalise(question.text))
        return Slot("count", " ".join(counted)) if counted else None
    if word == "which":
        if typed[leading + 1 : leading + 2] == ["of"]:  # "which of his projects": a title answers
            return None
        # "Which attack is best?": a judgement, which the subject's description answers.
        if any(t.stem in SOFT for t in question.terms):
            return None
        rest = [w for w in typed[leading + 1 :] if w not in _SKIP]
        if not rest or rest[0] in KIND_WORDS or rest[0] in ("one", "ones", "of", "is", "was", "are", "were"):
            return None
        phrase: list[str] = []
        for w in rest:
            if w in STOPWORDS or w in CHATTER:
                break
            phrase.append(w)
        return Slot("instance", " ".join(phrase or rest[:1]))
    return None


def _numbers(tokens: list[str]) -> list[int]:
    return [i for i, t in enumerate(tokens) if _NUMBER.match(t) and not re.fullmatch(r"(?:19|20)\d\d", t)]


def fills(
    slot: Slot,
    question: Question,
    text: str,
    *,
    heading: str | None = None,
    section: bool = False,
    title: str | None = None,
) -> bool:
    """Whether a sentence (``text``, under ``heading`` when it is quoted with it) fills ``slot``.
    ``section``: the sentence stands in a section the question names in its own words; ``title``:
    the title of its document."""
    if slot.kind == "reason":
        return section or bool(_CAUSAL.search(text))
    tokens = _TOKEN.findall(text)
    if slot.kind == "count":
        # "nine long-document tasks": a hyphenated word counts by its parts, the counted noun as the
        # last one ("2,400 clinician-written questions" counts questions, not clinicians).
        parts = [(part, i == len(t.split("-")) - 1) for t in tokens for i, part in enumerate(t.split("-"))]
        tokens = [part for part, _ in parts]
        nouns = [stem(w) for w in slot.noun.split()]
        counted = [
            i
            for i, (t, last) in enumerate(parts)
            if last and any(_same(stem(t.lower()), noun) for noun in nouns)
        ]
        for n in _numbers(tokens):
            if any(0 < c - n <= 4 for c in counted):
                return True
            if any(
                0 < n - c <= 2 and all(t.lower() in _AFTER_COUNTED for t in tokens[c + 1 : n])
                for c in counted
            ):
                return True
        return False
    # instance: a name the question does not hold; next to X when the sentence says X ("the
    # Falcon-2 accelerator"), since a name elsewhere in it names something else.
    asked = {stem(w) for w in words(question.text)}
    # The owner's document's own name, as its text writes it ("a zephyrine index" under the title
    # "Zephyrine edge search"), is a name too, capitalised or not.
    own = {w.lower() for w in _TOKEN.findall(title or "") if w.lower() not in STOPWORDS}
    names = [
        i
        for i, t in enumerate(tokens)
        if i > 0 and (_is_name(t) or t.lower() in own) and stem(t.lower()) not in asked
    ]
    nouns = [stem(w) for w in slot.noun.split()]
    mentions = [
        i for i, t in enumerate(tokens) if any(_same(stem(p.lower()), n) for p in t.split("-") for n in nouns)
    ]
    # "Which RAG pipeline uses Chroma?": X is the title of the document quoted, and the question
    # names that document by X alone, so the title is the instance asked for.
    if title:
        held = vocabulary(title)
        by_x = all(any(_same(h, n) for h in held) for n in nouns)
        others = [t for t in question.terms if stem(t.word) not in nouns and t.within(held)]
        if by_x and not others:
            return True
    if mentions:
        if any(abs(i - m) <= _NEAR for i in names for m in mentions):
            return True
    elif names:
        return True
    return bool(heading) and any(
        _is_name(t) and stem(t.lower()) not in asked for t in _TOKEN.findall(heading or "")
    )


def _same(word: str, noun: str) -> bool:
    return word == noun or (
        len(noun) >= 4
        and (word.startswith(noun) or noun.startswith(word))
        and abs(len(word) - len(noun)) <= 2
    )


def _is_name(token: str) -> bool:
    """A capitalised word, or one mixing letters with digits or inner capitals ("BM25", "PyTorch")."""
    if not re.search(r"[A-Za-z]", token):
        return False
    return token[0].isupper() or bool(re.search(r"[a-z][A-Z]|[A-Za-z]\d|\d[A-Za-z]{2,}", token))
