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
from dataclasses import dataclass, field, replace

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
        summarize abt bout wat wht whats knw u ur plz thx wher whre take takes opinion opinions view
        views think thoughts feel hit reach reached achieve achieved written writen wrote write
        writes solve solves solved current site page here this deal stuff happen happened happens
        happening making read find finds found findings show shows showed shown conclude concludes
        concluded conclusion propose proposes proposed claim claims discover discovered result results
        outcome outcomes keep keeps kept""",
    )
)
#: Function words of a standard English stop-word list (the Glasgow IR group's, as search engines
#: ship it) that are not in :data:`chatbot.text.STOPWORDS`: adverbs, quantifiers and connectives carry
#: no subject ("why did he *even* build it", "is it *already* …"). Its content-bearing entries
#: ("system", "computer", "fire", "part", "top", numbers, "last", "less") are left out.
FUNCTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        """across afterwards almost alone along already although always amongst among anyhow anyone
        anyway anywhere around back became become becomes becoming beforehand behind beside besides
        beyond cannot either elsewhere enough etc even every everyone everything everywhere except
        hence however indeed instead least meanwhile moreover mostly must namely neither never
        nevertheless nobody none noone nothing nowhere often otherwise perhaps rather seem seemed
        seeming seems several sometime sometimes somewhere therefore though thus together toward
        towards upon whatever whenever whereas wherever whether whoever whole whose within without yet
        arent isnt wasnt werent dont doesnt didnt cant couldnt wont wouldnt shouldnt havent hasnt hadnt
        aren isn wasn weren don doesn didn couldn wouldn shouldn haven hasn hadn
        bit lot lots kinda sorta pretty basically literally wise folks
        come came comes coming""",
    )
)
CHATTER = CHATTER | FUNCTION_WORDS
#: Short forms visitors type, read as the words documents use ("feb 2024", "k8s", "which db").
ABBREVIATIONS = {
    **dict.fromkeys(["jan"], "january"),
    **dict.fromkeys(["feb"], "february"),
    **dict.fromkeys(["apr"], "april"),
    **dict.fromkeys(["jun"], "june"),
    **dict.fromkeys(["jul"], "july"),
    **dict.fromkeys(["aug"], "august"),
    **dict.fromkeys(["sep", "sept"], "september"),
    **dict.fromkeys(["oct"], "october"),
    **dict.fromkeys(["nov"], "november"),
    **dict.fromkeys(["dec"], "december"),
    "k8s": "kubernetes",
    "sklearn": "scikit-learn",
    "db": "database",
    "dbs": "databases",
    "pg": "postgresql",
    "js": "javascript",
    "ts": "typescript",
    "py": "python",
    "hf": "hugging face",
    "uni": "university",
    "yr": "year",
    "yrs": "years",
    "bday": "birthday",
    "prod": "production",
    "grad": "graduate",
    "ppl": "people",
    "intro": "introduce",
}
_ABBREVIATION = re.compile(
    r"(?<![\w.+#-])(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")(?![\w+#-])", re.IGNORECASE
)
_QUESTION_IS = re.compile(r"\b(who|what|where|when|how|why)'s\b")
#: "whos", "whats", "hows": a question word and its "is" without the apostrophe.
_CONTRACTION = re.compile(r"\b(who|what|where|when|how|why|that|there)s\b", re.IGNORECASE)


def expand(text: str) -> str:
    """``text`` with apostrophe-less contractions ("whos") restored and :data:`ABBREVIATIONS`
    written out ("feb 2024" → "february 2024"); the rest as typed."""
    text = _CONTRACTION.sub(r"\1's", text)
    return _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1).lower()], text)


def normalise(text: str) -> str:
    """``text`` lowercased, curly apostrophes straightened, then :func:`expand`-ed, a question
    word's "'s" read as "is" ("where's he from" as "where is he from")."""
    return _QUESTION_IS.sub(r"\1 is", expand(text.lower().replace("\u2019", "'")))


#: What may follow a stem in the word that names it ("licenc"+"e", "intern"+"s"; not "intern"+"al").
_INFLECTIONS = "e|s|es|ed|ing|ship|ships|y|ies"
_YEAR = re.compile(r"(?:19|20)\d\d")
#: A number's magnitude letter ("7b", "2m", "128k") and the words or zeros it stands for.
_MAGNITUDES = {"k": "thousand", "m": "million", "b": "billion"}
_ZEROS = {"k": ",000", "m": ",000,000", "b": ",000,000,000"}
#: "how many X", "how much X": X is what the question counts. ("Which vector store …?" is answered
#: by "Chroma": a kind of thing is named by its instances, so "what/which X" does not count.)
_ASKED_FOR = re.compile(r"\bhow (?:many|much)\s+((?:[\w.+#-]+\s*){1,6})")
#: Words between the question word and the thing asked for ("what kind of metric").
_ASKED_SKIP = frozenset(
    [
        *("kind", "kinds", "sort", "sorts", "type", "types", "of", "a", "an", "the", "exact"),
        # "how much *did* engagement go up": an auxiliary or a possessive before the counted thing.
        *("did", "does", "do", "has", "have", "had", "is", "was", "were", "are"),
        *("his", "her", "its", "their"),
    ]
)
#: At most this many words name the asked-for thing ("how many github stars").
_ASKED_WORDS = 2


def asked_for(lowered: str) -> list[str]:
    """The words naming what ``lowered`` counts: after "how many/much", the words up to the first
    stopword ("how many *github stars* does it have")."""
    found: list[str] = []
    for match in _ASKED_FOR.finditer(lowered):
        for word in (w.strip(".") for w in words(match.group(1))):
            if word in _ASKED_SKIP and not found:
                continue
            if word in STOPWORDS or len(found) >= _ASKED_WORDS:
                break
            found.append(word)
        if found:
            break
    return found


#: A word right after "at", "from", "by" or "under" names an organisation, a place or a licence
#: ("did he work at google?", "is it from deepmind?", "funded by whom", "under MIT?"); after
#: "support", "cover", "handle", "include", "run on" a thing a subject has or has not ("does it
#: support kafka?").
_SLOT = re.compile(
    r"\b(?:at|from|by|under|supports?|covers?|handles?|includes?|integrates? with"
    r"|(?:tested|deployed|runs?) on)\s+(?:the\s+|a\s+|an\s+|any\s+)?([a-z][\w.+#-]*)"
)
#: Attributes a portfolio states or does not (a credential, a licence, a price, a contact detail):
#: a question asking for one is declined when no passage names it, whatever else it matches.
ATTRIBUTES = frozenset(
    stem(w)
    for w in re.findall(
        r"\S+",
        """licence license licensed phd doctorate mba bachelor bachelors undergraduate diploma
    certification certifications certificate certified award awards prize patent patents salary
    age email phone address married wife husband kids children hobby hobbies manager advisor
    supervisor funded funding funder venue conference gpu gpus price cost costs revenue customers
    internship intern""",
    )
)
#: Words of a section heading that do not name it ("How *it* works").
_HEADING_FILLER = frozenset(["a", "an", "the", "it", "its", "of", "and", "this", "we", "our", "i", "my"])
#: Words asking what came next or earlier in a timeline.
ORDER_WORDS = {
    **dict.fromkeys(["after", "afterwards", "next", "later", "then"], "after"),
    **dict.fromkeys(["before", "previously", "previous", "prior", "earlier"], "before"),
}
#: Words asking for a link: the answer is an address.
LINK_WORDS = frozenset(["github", "repo", "repository", "demo", "link", "url", "website", "download"])
#: Question words: only the first one a question holds gives it its type.
QUESTION_WORDS = frozenset(["what", "when", "where", "who", "which", "how", "why", "whose"])
#: Pronouns by which a visitor refers to the site's owner.
OWNER_PRONOUNS = frozenset(["he", "his", "him", "himself", "he's", "she", "her", "hers", "herself", "she's"])
#: Generic nouns that name a kind of document rather than a subject.
KIND_WORDS = {
    "project": "project",
    "projects": "project",
    "paper": "paper",
    "papers": "paper",
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
    #: Whether a phrase's literal words only say the kind of fact asked ("get in *touch*"), so they
    #: are no terms; a phrase of doing ("what did he *ship*") keeps its verb as a term.
    phrase_is_type: bool = False


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
            r"\b(?:built|made|writt?en|done|implemented|coded?) (?:with|in|using)\b",
            r"\bdoes (?:he|she) use\b",
            r"\b(?:how )?good (?:is (?:he|she) )?(?:at|with)\b",
            r"\bwhat (?:is|are|'s) (?:his|her|the|your) (?:stack|tools)\b",
            r"\bhow (?:does|do|did) (?:he|she) (?:deploy|host|package|containeri[sz]e)\b",
        ),
        phrase_is_type=True,
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
                "title",
                "industry",
            ]
        ),
        _stems("work engineer lead senior"),
        ({"kind": "journey"},),
        phrases=(
            r"\bwhat (?:did|does|has) (?:he|she|vasu|\w+) (?:do|done|been doing)\b",
            r"\bwhat (?:was|is) (?:he|she|vasu|\w+) doing\b",
        ),
    ),
    Intent(
        "location",
        frozenset(["based", "live", "lives", "living", "located", "location", "city", "country"]),
        _stems("location"),
        ({"kind": "profile"},),
        phrases=(r"\bwhere (?:is|does) (?:he|she|vasu|\w+) (?:based|live|from|located)\b",),
        phrase_is_type=True,
    ),
    Intent(
        "contact",
        frozenset(
            [
                "contact",
                "github",
                "linkedin",
                "blog",
                "links",
                "link",
                "social",
                "website",
                "writing",
                "posts",
            ]
        ),
        _stems("links github linkedin blog"),
        ({"kind": "profile"},),
        phrases=(
            r"\b(?:get in touch|reach (?:him|her|out)|contact (?:him|her)|hire (?:him|her)|connect with)\b",
        ),
        phrase_is_type=True,
    ),
    Intent(
        "code",
        frozenset(["repo", "repository", "code", "source", "github", "demo", "link", "url", "download"]),
        _stems("repository demo github"),
        ({"kind": "project"},),
    ),
    Intent(
        "projects",
        frozenset(["projects", "portfolio"]),
        frozenset(),
        ({"kind": "project"},),
        phrases=(
            r"\bwhat (?:did|has|does|have) (?:he|she|vasu|\w+) "
            r"(?:build|built|make|made|create|created|ship|shipped)\b",
        ),
    ),
    Intent(
        "timeline",
        frozenset(
            [
                "when",
                "since",
                "year",
                "years",
                "join",
                "joined",
                "start",
                "started",
                "left",
                "leave",
                "finish",
                "finished",
                "end",
                "ended",
                "complete",
                "completed",
            ]
        ),
        _stems(
            "january february march april may june july august september october november december present"
        ),
        ({"kind": "journey"},),
        phrases=(r"\bhow long\b",),
    ),
    Intent(
        "byline",
        frozenset(["authors", "authored", "coauthors", "co-authors"]),
        _stems("authors"),
        ({"kind": "paper"},),
        phrases=(
            r"\bwho (?:wrote|authored|published|is behind|are behind)\b",
            r"\bauthors? of\b",
            r"\b(?:which|what) (?:lab|group|team|company|university|institute|organi[sz]ation)\b.*"
            r"\b(?:wrote|published|made|behind|produced)\b",
        ),
    ),
    Intent(
        "opinion",
        frozenset(
            [
                "take",
                "opinion",
                "opinions",
                "views",
                "think",
                "thoughts",
                "believe",
                "care",
                "cares",
                "values",
            ]
        ),
        _stems("care"),
        ({"kind": "profile"},),
        # "why is he so into evals?": what drives him, which his own words say.
        phrases=(r"\bwhy (?:is|does|did) (?:he|she) (?:so )?(?:into|like|love|enjoy|focus on|care about)\b",),
    ),
    Intent(
        "person",
        frozenset(["who", "introduce", "yourself", "bio", "background", "owner", "author"]),
        _stems("engineer"),
        ({"kind": "profile"},),
        phrases=(r"\bwho (?:is|'s) (?:he|she|vasu|\w+)\b", r"\babout (?:him|her)\b"),
    ),
)
_SPEED = _stems("latency p99 ms fast speed quick slow throughput speedup faster")
#: Question words whose meaning a document states in other words.
SYNONYMS: dict[str, frozenset[str]] = {
    stem("fast"): _SPEED,
    stem("faster"): _SPEED,
    stem("speed"): _SPEED,
    stem("slow"): _SPEED,
    stem("quick"): _SPEED,
    stem("latency"): _SPEED,
    stem("speedup"): _SPEED,
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
    stem("publish"): _stems("publish release open-source"),
    stem("published"): _stems("publish release open-source"),
    stem("problem"): _stems("problem skew killer issue why"),
    stem("infra"): _stems("infra infrastructure"),
    stem("save"): _stems("save saves cut cuts reduce reduces lower lowers fewer less drop drops"),
    stem("saves"): _stems("save saves cut cuts reduce reduces lower lowers fewer less drop drops"),
    stem("data"): _stems("data dataset datasets corpus hours documents examples samples rows events"),
    stem("label"): _stems("label annotate annotated tag"),
    stem("labelled"): _stems("label annotate annotated tag"),
    stem("annotate"): _stems("label annotate annotated labelled"),
    stem("container"): _stems("container docker kubernetes"),
    stem("containers"): _stems("container docker kubernetes"),
    stem("dependency"): _stems("dependency technologies library"),
    stem("dependencies"): _stems("dependency technologies library"),
    stem("postgres"): _stems("postgres postgresql"),
    stem("postgresql"): _stems("postgres postgresql"),
}


#: Measures a document states as a figure ("what accuracy did it get?", "how fast is it?"): a
#: question asking for one is declined when no passage holding its subject states a figure.
MEASURES = _stems("accuracy accurate latency fast faster speed slow throughput speedup precision recall")
#: Vague words ("how fast", "how good") a document states in figures: they never make a question
#: fall under the relevance floor, only help to pick the sentence.
SOFT = _stems(
    "fast faster speed slow quick big large size good better best well accurate accuracy new old long time"
    " data speedup strong stronger strongest weak weaker weakest favourite favorite top level"
)


#: What the stemmer leaves on a word that another form of it lacks.
_SUFFIXES = frozenset(
    re.findall(
        r"\S+",
        "s es ed er ers ing ings ful fully ness able ably ible ation ations ment ments ity ive al ly ic",
    )
)


def _suffixed(base: str, word: str) -> bool:
    """Whether ``word`` is ``base`` (four letters or more) plus a suffix or one doubled letter."""
    if len(base) < 4 or not word.startswith(base) or word == base:
        return False
    rest = word[len(base) :]
    # One letter: a doubled one ("plan"/"plann"), a vowel the stemmer left ("eval"/"evalu") or an
    # inflection's; not any consonant ("star"/"start").
    return rest == base[-1] or rest in _SUFFIXES or rest in ("a", "e", "i", "o", "u", "y", "d", "r")


def typos(word: str) -> int:
    """How many edits a typed ``word`` may be off a known one: none under four letters, one up to
    seven, then two."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


#: Rows of a QWERTY keyboard: a slipped finger hits a neighbouring key.
_KEY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_AT = {key: (row, col) for row, keys in enumerate(_KEY_ROWS) for col, key in enumerate(keys)}


def _neighbours(a: str, b: str) -> bool:
    """Whether keys ``a`` and ``b`` touch on a QWERTY keyboard (same row next to each other, or the
    row above or below within one key)."""
    if a not in _KEY_AT or b not in _KEY_AT:
        return False
    (ra, ca), (rb, cb) = _KEY_AT[a], _KEY_AT[b]
    return abs(ra - rb) <= 1 and abs(ca - cb) <= 1 + (ra != rb)


def edits_within(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` and ``b`` are at most ``limit`` typos apart: insertions, deletions, swaps of two
    neighbouring letters ("cahce" is one edit from "cache") and substitutions of a neighbouring key
    ("evalkiy"); another substitution counts two, since it makes another word ("fills"/"falls")."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            swap = 0 if ca == cb else 1 if _neighbours(ca, cb) else 2
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + swap)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return False
        before, previous = previous, current
    return previous[-1] <= limit


@dataclass(frozen=True)
class Term:
    """A content word of the question: its stem, the stems that match it, and whether the visitor
    capitalised it mid-sentence (a name: never left unmatched)."""

    word: str
    stem: str
    matches: frozenset[str]
    name: bool
    #: The thing the question asks for ("how many *users*", "what *batch* size"): the passage
    #: quoted must hold it, not only the subject the question names.
    asked: bool = False
    #: Names an organisation, place, credential or attribute the question asks about ("at *google*",
    #: "under which *licence*", "his *phd*"): the passages must hold it, however many of the
    #: question's other words they hold.
    slot: bool = False
    #: The stem of the term it stands as an alternative to ("X *or* Y"): either one answers.
    either: str | None = None

    @property
    def identifier(self) -> bool:
        """A word with digits ("7b", "gpt-4", "p99", "4-bit", "15"; not a year): it names one
        thing, so only that exact form in a passage matches it (no typo, no other number)."""
        return bool(re.search(r"\d", self.word)) and not _YEAR.fullmatch(self.word)

    def named_in(self, text: str) -> bool:
        """Whether ``text`` names the term as a word of its own: one of its stems plus at most an
        inflection ("licence", "licenses", "interns"), not a longer word ("internal")."""
        return any(
            re.search(rf"(?<![a-z0-9]){re.escape(m)}(?:{_INFLECTIONS})?(?![a-z0-9])", text.lower())
            for m in self.matches | {self.word}
        )

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds the identifier ("4-bit" also as "4 bits", "7b" as "7B" or
        "7-billion", "128k" as "128,000")."""
        pattern = ""
        previous = ""
        for piece in re.findall(r"[a-z]+|\d+(?:[.,]\d+)*", self.word):
            if previous[:1].isdigit() and piece in _MAGNITUDES:
                pattern += f"(?:[\\s-]?(?:{piece}|{_MAGNITUDES[piece]})|{_ZEROS[piece]})"
            else:
                pattern += (r"[\s-]?" if pattern else "") + re.escape(piece)
            previous = piece
        return bool(re.search(rf"(?<![a-z0-9.,]){pattern}s?(?![a-z0-9])", text.lower()))

    def within(self, vocabulary: set[str] | frozenset[str]) -> bool:
        """Whether ``vocabulary`` (stems) holds the term: one of its stems, or a word one of them
        begins with a suffix after it ("faith"/"faithful", "compar"/"comparable"; not "fast"/"fastapi")."""
        if self.matches & vocabulary:
            return True
        return any(
            _suffixed(match, word) or _suffixed(word, match) for match in self.matches for word in vocabulary
        )


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[Term, ...]
    intents: tuple[Intent, ...] = ()
    kinds: frozenset[str] = field(default_factory=frozenset)
    #: Whether the visitor asks about the site's owner ("he", "his"): papers in the feed are
    #: other people's work and never answer such a question.
    about_owner: bool = False
    #: "after" or "before" when the question asks what came next or earlier ("and before that?").
    order: str | None = None

    @property
    def asks_for_a_neighbour(self) -> bool:
        """Whether the question asks only what came after or before its subject: an order word and
        no firm term of its own ("and where did he go after?", not "the error rate before X")."""
        return self.order is not None and not any(t.stem not in SOFT for t in self.terms)

    @property
    def answer_stems(self) -> frozenset[str]:
        """Stems that carry the asked-for fact of the question's type."""
        return frozenset().union(*(intent.answers for intent in self.intents))

    def names_section(self, heading: str | None) -> bool:
        """Whether the question names a section ``heading`` in its own words, chatter included:
        "how does it work?" names "How it works", "why did he build it?" names "Why". A heading
        made of the question's content terms only is its subject (a title), not a section it asks for."""
        wanted = {stem(w) for w in words(heading or "") if w not in _HEADING_FILLER}
        if not wanted or wanted <= {t.stem for t in self.terms}:
            return False
        return wanted <= {stem(w) for w in words(normalise(self.text))}

    @property
    def asks_for_link(self) -> bool:
        """Whether the question asks where something lives online ("is it on github?", "demo link")."""
        return bool(LINK_WORDS.intersection(words(normalise(self.text))))

    def has(self, name: str) -> bool:
        return any(intent.name == name for intent in self.intents)

    def filters(self) -> list[dict[str, str]]:
        """Where the question's type steers retrieval (the most specific filter of each type, and
        the kind of document it names: "which project …", "any papers on …")."""
        filters = [intent.filters[0] for intent in self.intents]
        filters += [{"kind": kind} for kind in sorted(self.kinds) if {"kind": kind} not in filters]
        return filters


def analyse(text: str, *, owner_name: str = "") -> Question:
    """``text`` read as a question: content terms without chatter or the owner's name, its types.

    A misspelt trigger of six letters or more ("colege") still triggers its type.
    """
    lowered = normalise(text)
    owner = set(words(owner_name))
    typed = [word.strip(".") for word in words(lowered)]

    # The question word that leads says what is asked: "what decides *when* to search?" is a
    # "what" question, not a "when" one.
    leading = next((w for w in typed if w in QUESTION_WORDS), None)

    def triggers(intent: Intent, word: str) -> bool:
        if word in QUESTION_WORDS and word != leading:
            return False
        if word in intent.triggers:
            return True
        if word in CHATTER or len(word) < 6:  # "stars" is no typo of "start"
            return False
        if any(word in other.triggers for other in INTENTS):  # a known word is no typo of another
            return False
        return any(t[0] == word[0] and edits_within(word, t, typos(word)) for t in intent.triggers)

    found = [
        intent
        for intent in INTENTS
        if any(triggers(intent, word) for word in typed)
        or any(re.search(pattern, lowered) for pattern in intent.phrases)
    ]
    if not found and owner.intersection(typed):  # "what kind of engineer is Vasu?"
        found = [intent for intent in INTENTS if intent.name == "person"]
    # "papr", "projct": a kind word a typo away is that kind word.
    typed = [
        next((k for k in KIND_WORDS if edits_within(w, k, typos(w))), w)
        if len(w) >= 4 and w not in KIND_WORDS and w not in CHATTER and w not in owner
        else w
        for w in typed
    ]
    kinds = frozenset(KIND_WORDS[w] for w in typed if w in KIND_WORDS)
    capitalised = {
        match.group(0).lower()
        for match in re.finditer(r"(?<=[\w,;:] )[A-Z][\w.+#-]*", text.replace("\u2019", "'"))
    }
    asked = set(asked_for(lowered))
    slots = {m.group(1) for m in _SLOT.finditer(lowered) if m.group(1) not in CHATTER}
    phrased = _phrase_words(found, lowered)
    terms: list[Term] = []
    seen: set[str] = set()
    for word in typed:
        if (
            len(word) < 2
            or word in CHATTER
            or word in owner
            or word in KIND_WORDS
            or word in seen
            or word in phrased
            or any(triggers(intent, word) for intent in found)
        ):
            continue
        seen.add(word)
        base = stem(word)
        terms.append(
            Term(
                word,
                base,
                SYNONYMS.get(base, frozenset()) | {base},
                word in capitalised,
                asked=word in asked and base not in SOFT,
                slot=word in slots or base in ATTRIBUTES,
            )
        )
    terms = _alternatives(terms, typed)
    return Question(
        text=text,
        terms=tuple(terms),
        intents=tuple(found),
        kinds=kinds,
        about_owner=bool(OWNER_PRONOUNS.intersection(typed)),
        order=next((ORDER_WORDS[w] for w in typed if w in ORDER_WORDS), None),
    )


def _phrase_words(intents: list[Intent], lowered: str) -> set[str]:
    """The words a question type's phrase spells out literally ("get in *touch*"): like its
    triggers, they say what kind of fact is asked, not what about. A word the phrase only
    matches as any word (``\\w+``: the subject of "does evalkit use …") stays a term."""
    found: set[str] = set()
    for intent in (i for i in intents if i.phrase_is_type):
        for pattern in intent.phrases:
            for match in re.finditer(pattern, lowered):
                for word in words(match.group(0)):
                    if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", pattern):
                        found.add(word)
    return found


def _alternatives(terms: list[Term], typed: list[str]) -> list[Term]:
    """Terms on either side of an "or" ("langchain or llamaindex", "a team lead or an IC") marked as
    each other's alternative: the question is answered when either is found."""
    positions = {t.word: i for i, t in enumerate(terms)}
    order = [w for w in typed if w in positions or w == "or"]
    for i, word in enumerate(order):
        if word != "or" or i == 0 or i + 1 >= len(order):
            continue
        left, right = order[i - 1], order[i + 1]
        if left == "or" or right == "or":
            continue
        a, b = positions[left], positions[right]
        terms[a] = replace(terms[a], either=terms[b].stem)
        terms[b] = replace(terms[b], either=terms[a].stem)
    return terms
