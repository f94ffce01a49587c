"""What a visitor's question asks for: its content terms, and the kind of fact it wants.

Visitors ask "tell me about evalkit", "where did he study?", "does he know kubernetes?". The
words that carry the question are few; the rest is chatter ("tell", "about", "know", "use",
"he", the owner's own name) that must neither steer retrieval nor pick the quoted sentence.

A question *type* (:data:`INTENTS`) is recognised by its trigger words. It steers retrieval
toward the document kinds that hold such facts (who/where/when and "what did he do" toward the
profile and the journey, "what does he use" toward the tech stack) and supplies the words those
documents answer with: "study" is answered by "Education …" and "M.Tech", not by "study".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatbot.text import STOPWORDS, stem, words

#: Words a visitor types around the question; they never count as what is asked for.
CHATTER = STOPWORDS | frozenset(
    re.findall(
        r"\S+",
        """tell know knows knew known use uses used using built build builds building made make makes
        work with anything something thing things like give show list say says said info information
        detail details whats what's who's where's s kind sort type get got ever really still currently
        right now any some good great cool interesting mean means guy person someone somebody let
        hey hi hello pls thanks thank ok okay yes yeah can could would should might he's his him
        does did do doing done has have had any way go goes went into onto main mainly one ones
        sure maybe also else exactly actually overall briefly short quick quickly summary summarise
        summarize abt bout wat wht whats knw u ur plz thx""",
    )
)
#: Generic nouns that name a kind of document rather than a subject.
KIND_WORDS = {
    "project": "project",
    "projects": "project",
    "paper": "paper",
    "papers": "paper",
    "repo": "project",
    "repository": "project",
}


@dataclass(frozen=True)
class Intent:
    """A question type: words that trigger it, words that answer it, where its answers live."""

    name: str
    triggers: frozenset[str]
    #: Stems that count as the asked-for fact when a sentence holds them.
    answers: frozenset[str]
    #: ``/search`` filters of the documents that hold such facts, most specific first.
    filters: tuple[dict[str, str], ...]
    phrases: tuple[str, ...] = ()


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in text.split())


INTENTS = (
    Intent(
        "technology",
        frozenset(
            [
                "technology",
                "technologies",
                "tech",
                "stack",
                "stacks",
                "tool",
                "tools",
                "tooling",
                "language",
                "languages",
                "framework",
                "frameworks",
                "library",
                "libraries",
                "skill",
                "skills",
                "skillset",
                "proficient",
                "proficiency",
                "familiar",
            ]
        ),
        _stems("technologies proficiency stack language framework"),
        ({"kind": "tech_stack"},),
        phrases=(
            r"\bdoes (?:he|she|vasu|\w+) (?:know|use|code|program|work with)\b",
            r"\b(?:is|was) (?:he|she) (?:good|fluent|familiar|experienced)\b",
            r"\bwhat (?:does|do|did) (?:he|she|you|\w+) (?:use|code|program|work with)\b",
            r"\b(?:built|made|written|done|implemented) (?:with|in|using)\b",
            r"\bwhat (?:is|are|'s) (?:his|her|the|your) (?:stack|tools)\b",
        ),
    ),
    Intent(
        "education",
        frozenset(
            [
                "study",
                "studied",
                "studies",
                "studying",
                "degree",
                "degrees",
                "university",
                "universities",
                "college",
                "school",
                "education",
                "educated",
                "graduate",
                "graduated",
                "graduation",
                "masters",
                "master",
                "m.tech",
                "mtech",
                "b.tech",
                "btech",
                "thesis",
                "alma",
                "mater",
                "qualification",
                "qualifications",
                "academic",
            ]
        ),
        _stems("education m.tech degree thesis institute university college school master"),
        ({"kind": "journey", "entry_kind": "education"}, {"kind": "journey"}),
    ),
    Intent(
        "career",
        frozenset(
            [
                "work",
                "worked",
                "works",
                "working",
                "job",
                "jobs",
                "employer",
                "employers",
                "employed",
                "company",
                "companies",
                "career",
                "experience",
                "experiences",
                "role",
                "roles",
                "position",
                "positions",
                "employment",
            ]
        ),
        _stems("work engineer lead senior"),
        ({"kind": "journey"},),
        phrases=(r"\bwhat (?:did|does|has) (?:he|she|vasu|\w+) (?:do|done|been doing)\b",),
    ),
    Intent(
        "location",
        frozenset(["based", "live", "lives", "living", "located", "location", "city", "country"]),
        _stems("location"),
        ({"kind": "profile"},),
        phrases=(r"\bwhere (?:is|does) (?:he|she|vasu|\w+) (?:based|live|from|located)\b",),
    ),
    Intent(
        "contact",
        frozenset(["contact", "reach", "github", "linkedin", "blog", "links", "link", "social"]),
        _stems("links github linkedin blog"),
        ({"kind": "profile"},),
    ),
    Intent(
        "timeline",
        frozenset(["when", "since", "year", "years"]),
        _stems(
            "january february march april may june july august september october november december present"
        ),
        ({"kind": "journey"},),
        phrases=(r"\bhow long\b",),
    ),
    Intent(
        "person",
        frozenset(["who", "introduce", "yourself", "bio", "background"]),
        _stems("engineer"),
        ({"kind": "profile"},),
        phrases=(r"\bwho (?:is|'s) (?:he|she|vasu|\w+)\b", r"\babout (?:him|her)\b"),
    ),
)
_SPEED = _stems("latency p99 ms fast speed quick slow throughput")
#: Question words whose meaning a document states in other words.
SYNONYMS: dict[str, frozenset[str]] = {
    stem("fast"): _SPEED,
    stem("faster"): _SPEED,
    stem("speed"): _SPEED,
    stem("slow"): _SPEED,
    stem("quick"): _SPEED,
    stem("latency"): _SPEED,
    stem("accurate"): _stems("accuracy faithfulness metric score"),
    stem("accuracy"): _stems("accurate faithfulness metric score"),
    stem("good"): _stems("faithfulness metric score"),
    stem("license"): _stems("licence license"),
    stem("database"): _stems("database postgres postgresql sql chroma redis"),
    stem("databases"): _stems("database postgres postgresql sql chroma redis"),
    stem("big"): _stems("size scale documents events 2m 50m large"),
    stem("large"): _stems("size scale documents events 2m 50m large"),
    stem("size"): _stems("size scale documents events 2m 50m large"),
    stem("licence"): _stems("licence license"),
}


#: Vague words ("how fast", "how good") a document states in figures: they never make a question
#: fall under the relevance floor, only help to pick the sentence.
SOFT = frozenset(
    stem(word)
    for word in [
        "fast",
        "faster",
        "speed",
        "slow",
        "quick",
        "big",
        "large",
        "size",
        "good",
        "better",
        "best",
        "well",
        "accurate",
        "accuracy",
        "new",
        "old",
    ]
)


@dataclass(frozen=True)
class Term:
    """A content word of the question: its stem, the stems that match it, and whether the visitor
    capitalised it mid-sentence (a name: never left unmatched)."""

    word: str
    stem: str
    matches: frozenset[str]
    name: bool


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[Term, ...]
    intents: tuple[Intent, ...] = ()
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def answer_stems(self) -> frozenset[str]:
        """Stems that carry the asked-for fact of the question's type."""
        return frozenset().union(*(intent.answers for intent in self.intents))

    def has(self, name: str) -> bool:
        return any(intent.name == name for intent in self.intents)

    def filters(self) -> list[dict[str, str]]:
        """Where the question's type steers retrieval (the most specific filter of each type)."""
        return [intent.filters[0] for intent in self.intents]


def analyse(text: str, *, owner_name: str = "") -> Question:
    """``text`` read as a question: content terms without chatter or the owner's name, its types."""
    lowered = text.lower().replace("\u2019", "'")
    owner = set(words(owner_name))
    found = [
        intent
        for intent in INTENTS
        if intent.triggers.intersection(words(lowered))
        or any(re.search(pattern, lowered) for pattern in intent.phrases)
    ]
    kinds = frozenset(KIND_WORDS[w] for w in words(lowered) if w in KIND_WORDS)
    triggers = frozenset().union(*(intent.triggers for intent in found))
    capitalised = {
        match.group(0).lower()
        for match in re.finditer(r"(?<=[\w,;:] )[A-Z][\w.+#-]*", text.replace("\u2019", "'"))
    }
    terms: list[Term] = []
    seen: set[str] = set()
    for word in words(lowered):
        word = word.strip(".")
        if (
            len(word) < 2
            or word in CHATTER
            or word in owner
            or word in triggers
            or word in KIND_WORDS
            or word.endswith("'s")
            or word in seen
        ):
            continue
        seen.add(word)
        base = stem(word)
        terms.append(Term(word, base, SYNONYMS.get(base, frozenset()) | {base}, word in capitalised))
    return Question(text=text, terms=tuple(terms), intents=tuple(found), kinds=kinds)
