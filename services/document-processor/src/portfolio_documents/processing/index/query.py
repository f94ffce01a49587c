"""A visitor's question as keyword search terms: Postgres's own English lexemes, chatter removed,
related words added.

A question such as "Tell me about evalkit" is mostly chatter: Postgres's English stopword list drops
"me" and "about" but keeps "tell", and a keyword search that needs every term finds nothing. Here
each remaining lexeme is one *concept* the ranking weighs by its rarity (:mod:`.keyword`), and a
chunk needs only some of them.

- :data:`CHATTER`: words Postgres keeps that say nothing about what is asked (verbs of asking and
  knowing, "use", "built", pronouns, politeness). One declared list; its words are stemmed by the
  same ``english`` configuration as the index, so "using", "uses" and "used" go with "use".
- The *subject* (optional, from the caller: the site owner's name): questions name whom they are
  about ("Where did Vasu study?") as often as they say "he", and the name would pull every question
  to the profile, which is the one document that holds it. Its words count only when the question
  asks nothing else ("Who is Vasu?").
- :data:`RELATED`: a few words visitors use for what the content calls otherwise ("study" for a
  degree at an institute, "technologies" for the tech stack). A related word joins its concept at
  :data:`RELATED_BOOST` of its weight; a chunk's concept counts once, by its best word.

Lexemes come from ``to_tsvector('english', query)``, so the index and the query stem alike, and a
lexeme goes to Postgres only as a quoted ``tsquery`` literal (:func:`lexeme_query`): any input gives a
valid ``tsquery`` or no terms at all, never a syntax error.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

#: The text search configuration of the index (``models.TSV_EXPRESSION``) and of every query.
CONFIG = "english"
#: Concepts a query keeps at most (its first ones): a pasted paragraph must not cost a probe per word.
MAX_CONCEPTS = 12
#: How much a related word weighs beside the word the visitor typed.
RELATED_BOOST = 0.8

#: Words Postgres's English configuration keeps that carry no topic in a visitor's question.
CHATTER = frozenset(
    """
    tell tells told know knows knew known use uses used using built build builds building made make
    makes making did does done do doing get gets got give gives show shows describe explain explains
    say says said talk mean means want wants like please thanks thank hi hello hey ok okay yes info
    information detail details thing things stuff something anything everything someone anyone one
    kind sort lot bit little much many also really actually ever still could would should might may
    can shall will let look see think interested curious
    """.split()  # noqa: SIM905 - a word list reads better as words
)

#: Visitor words → words the content uses for the same thing (each list read as extra terms).
RELATED: dict[str, tuple[str, ...]] = {
    "study": ("education", "degree", "university", "college", "school", "institute", "thesis"),
    "studied": ("education", "degree", "university", "college", "school", "institute", "thesis"),
    "graduate": ("education", "degree", "university", "college", "institute"),
    "graduated": ("education", "degree", "university", "college", "institute"),
    "education": ("degree", "university", "college", "institute", "study"),
    "degree": ("education", "university", "college", "institute"),
    "technologies": ("tech", "stack", "tools", "frameworks"),
    "technology": ("tech", "stack", "tools", "frameworks"),
    "tools": ("tech", "stack", "technologies", "frameworks"),
    "skills": ("tech", "stack", "technologies", "proficiency"),
    "stack": ("tech", "technologies"),
    "job": ("work", "engineer", "employer", "role"),
    "jobs": ("work", "engineer", "employer", "role"),
    "career": ("work", "engineer", "role", "journey"),
    "employer": ("work", "organisation", "company"),
    "company": ("work", "organisation", "employer"),
    "live": ("location", "based"),
    "lives": ("location", "based"),
    "located": ("location", "based"),
    "contact": ("email", "links", "linkedin", "github"),
    "reach": ("email", "links", "linkedin", "contact"),
}


@dataclass(frozen=True)
class Term:
    """One lexeme to search for: ``concept`` numbers the visitor's word it stands for (related words
    share their source word's number), ``boost`` is 1 for that word, :data:`RELATED_BOOST` for a
    related one."""

    lexeme: str
    concept: int
    boost: float = 1.0

    @property
    def related(self) -> bool:
        return self.boost < 1.0


def lexeme_query(lexeme: str, weights: str = "") -> str:
    """``lexeme`` as a ``tsquery`` literal matching exactly it (``weights``: e.g. ``"AB"`` to match
    only its title and heading occurrences). Quoting makes any lexeme safe: a quote is doubled, a
    backslash escaped, and nothing inside is read as an operator."""
    quoted = lexeme.replace("\\", "\\\\").replace("'", "''")
    return f"'{quoted}'" + (f":{weights}" if weights else "")


def any_query(lexemes: list[str], weights: str = "") -> str:
    """A ``tsquery`` matching any of ``lexemes`` (empty string when there is none)."""
    return " | ".join(lexeme_query(lexeme, weights) for lexeme in lexemes)


@dataclass(frozen=True)
class Lexicon:
    """:data:`CHATTER` and :data:`RELATED` as lexemes of :data:`CONFIG`."""

    chatter: frozenset[str]
    related: dict[str, tuple[str, ...]]


_lexicon: Lexicon | None = None

_LEXEMES = text(
    "SELECT coalesce(array_agg(lexeme ORDER BY positions[1], lexeme), '{}') "
    "FROM unnest(to_tsvector(CAST(:config AS regconfig), :text))"
)


async def lexemes(session: AsyncSession, value: str) -> list[str]:
    """The lexemes Postgres indexes for ``value``, in the order they first occur."""
    result = await session.execute(_LEXEMES, {"config": CONFIG, "text": value})
    return list(result.scalar_one())


async def lexicon(session: AsyncSession) -> Lexicon:
    """The stemmed word lists, computed by Postgres once per process (one query)."""
    global _lexicon
    if _lexicon is None:
        words = sorted(CHATTER | set(RELATED) | {w for ws in RELATED.values() for w in ws})
        statement = text(
            "SELECT w, coalesce((SELECT array_agg(lexeme) "
            "FROM unnest(to_tsvector(CAST(:config AS regconfig), w))), '{}') "
            "FROM unnest(CAST(:words AS text[])) AS w"
        )
        stems = {
            word: list(found)
            for word, found in (await session.execute(statement, {"config": CONFIG, "words": words})).all()
        }
        chatter = frozenset(lexeme for word in CHATTER for lexeme in stems[word])
        related: dict[str, tuple[str, ...]] = {}
        for word, others in RELATED.items():
            for key in stems[word]:
                extra = [lexeme for other in others for lexeme in stems[other] if lexeme != key]
                related[key] = tuple(dict.fromkeys(related.get(key, ()) + tuple(extra)))
        _lexicon = Lexicon(chatter=chatter, related=related)
    return _lexicon


def concepts(found: list[str], known: Lexicon, subject: frozenset[str] = frozenset()) -> list[Term]:
    """The terms of a query whose lexemes are ``found``: chatter dropped, the ``subject``'s lexemes
    too unless nothing else is left, at most :data:`MAX_CONCEPTS` concepts, each followed by its
    related lexemes (a lexeme the visitor typed is never also someone else's related word)."""
    typed = [lexeme for lexeme in dict.fromkeys(found) if lexeme not in known.chatter]
    typed = ([lexeme for lexeme in typed if lexeme not in subject] or typed)[:MAX_CONCEPTS]
    terms = [Term(lexeme, concept) for concept, lexeme in enumerate(typed)]
    seen = set(typed)
    for concept, lexeme in enumerate(typed):
        for other in known.related.get(lexeme, ()):
            if other not in seen:
                seen.add(other)
                terms.append(Term(other, concept, RELATED_BOOST))
    return terms


async def parse(session: AsyncSession, query: str, subject: str | None = None) -> list[Term]:
    """The keyword terms of ``query`` (empty when it holds nothing but stopwords and chatter)."""
    known = await lexicon(session)
    subject_lexemes = frozenset(await lexemes(session, subject)) if subject else frozenset()
    return concepts(await lexemes(session, query), known, subject_lexemes)
