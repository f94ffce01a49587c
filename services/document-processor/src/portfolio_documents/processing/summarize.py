"""A document's summary: the most central sentences (``local``), or Gemini on Vertex AI (``vertex``).

``local`` is extractive and offline: sentences are weighted by TF-IDF, scored by cosine similarity
to the document's centroid (the sentences that share the most vocabulary with the whole document,
as in centroid-based summarisation), and picked by maximal marginal relevance so that two
near-identical sentences are not both chosen. Position plays no part, so a key sentence at the end
counts as much as one at the start. The chosen sentences come back in document order. TF-IDF was
preferred over sentence embeddings because it costs milliseconds on a 500-page PDF, needs no model,
and is deterministic.

``vertex`` asks Gemini (through google-genai, ``models.generate_content``) for a two-to-three sentence
summary of at most ``max_input_chars`` of the text. A failed call falls back to the local summary
unless ``fallback_to_local`` is off: a document is still worth indexing without its abstract.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from portfolio_shared.embeddings.vertex import (
    genai_client,
    request_http_options,
    upstream_exceptions,
    vertex_error,
)
from portfolio_shared.errors import UpstreamError

if TYPE_CHECKING:
    import google.auth.credentials

logger = logging.getLogger(__name__)

VERTEX_EMPTY_SUMMARY = "vertex_empty_summary"
#: Relevance against novelty when picking the next sentence (maximal marginal relevance).
MMR_LAMBDA = 0.7
#: Candidate sentences: long enough to say something, short enough to read, mostly words (not code).
MIN_WORDS, MAX_WORDS = 5, 45
MIN_PLAIN_WORD_SHARE = 0.6

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "al", "fig", "figs", "eq", "eqs", "sec", "no", "vs", "cf", "dr", "mr", "mrs",
    "ms", "prof", "inc", "ltd", "approx", "resp", "ref", "refs", "vol", "pp", "ch", "st",
}  # fmt: skip
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how however i if in into is it its itself just me more most my
    no nor not now of off on once only or other our ours out over own same she should so some such than
    that the their theirs them then there these they this those through thus to too under until up upon
    us very was we were what when where which while who whom why will with within without would you
    your yours one two may might must shall via per""".split()  # noqa: SIM905 - a word list reads best as text
)
_CLOSERS = "\"')]\u2019\u201d"  # quotes and brackets that may follow a sentence's full stop
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[" + re.escape(_CLOSERS) + r"]*\s+(?=[\"'(\[\u2018\u201c]?[A-Z0-9À-ÖØ-Þ])"
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SKIP_LINE = re.compile(r"^\s*(#{1,6}\s|\||!\[|<|={3,}\s*$|-{3,}\s*$|```|~~~)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_INLINE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*{1,3}|(?<!\w)_{1,3})(?=\S)(.+?)(?<=\S)\1")
_QUOTE_MARK = re.compile(r"^(?:\s*>)+\s?")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class VertexSummarySettings:
    """Where and how to ask Gemini; ``base_url`` points the SDK elsewhere (a proxy, a test server)."""

    project: str
    location: str
    base_url: str | None = None
    model: str = "gemini-2.5-flash"
    credentials: google.auth.credentials.Credentials | None = None
    timeout_s: float = 60.0
    retry_attempts: int = 3
    retry_initial_delay: float = 1.0
    #: Gemini reads far more, but the opening 100,000 characters carry a paper's abstract and introduction.
    max_input_chars: int = 100_000
    fallback_to_local: bool = True


def summarize(
    text: str,
    *,
    provider: Literal["local", "vertex"] = "local",
    max_sentences: int = 3,
    vertex: VertexSummarySettings | None = None,
) -> str:
    """A short summary of ``text`` ("" for text without sentences)."""
    if max_sentences < 1:
        raise ValueError("max_sentences must be at least 1")
    if provider == "local":
        return extractive_summary(text, max_sentences=max_sentences)
    if provider == "vertex":
        if vertex is None:
            raise ValueError("the vertex summary provider needs VertexSummarySettings")
        return _vertex_summary(text, vertex, max_sentences)
    raise ValueError(f"unknown summary provider {provider!r}")


# -- local ---------------------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """The prose sentences of ``text``: Markdown headings, tables, code and images are left out,
    lines of a paragraph joined (PDF text breaks lines mid-sentence), words hyphenated at a line end
    rejoined, list items kept as sentences of their own."""
    sentences: list[str] = []
    in_code = False
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            sentences.extend(_split_paragraph(" ".join(paragraph)))
            paragraph.clear()

    for raw_line in text.replace("\r\n", "\n").split("\n"):
        line = _QUOTE_MARK.sub("", raw_line)  # a block quote's text is prose like any other
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            flush()
            continue
        if in_code or not stripped or _SKIP_LINE.match(line):
            flush()
            continue
        if _LIST_MARK.match(line):
            flush()
            stripped = _LIST_MARK.sub("", line).strip()
        if paragraph and paragraph[-1].endswith("-") and stripped[:1].islower():
            paragraph[-1] = paragraph[-1][:-1] + stripped  # "exam-" + "ple"
        else:
            paragraph.append(stripped)
    flush()
    return sentences


def _plain(markdown: str) -> str:
    """Inline Markdown as read: link and image text without URLs, no emphasis or code marks."""
    text = _INLINE_LINK.sub(r"\1", _IMAGE.sub("", markdown))
    text = _EMPHASIS.sub(r"\2", text).replace("`", "")
    return " ".join(text.split())


def _split_paragraph(paragraph: str) -> list[str]:
    paragraph = _plain(paragraph)
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        head = paragraph[start : match.start()].rstrip(_CLOSERS)
        last_word = head.rsplit(" ", 1)[-1].rstrip(".").lower()
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "et al. Smith", "e.g. Chroma", an initial "J. Smith"
        pieces.append(paragraph[start : match.start()].strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]


def _terms(sentence: str) -> Counter[str]:
    terms: Counter[str] = Counter()
    for word in _WORD.findall(sentence.lower()):
        if word in _STOPWORDS or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "chunks" and "chunk" are one term
        terms[word] += 1
    return terms


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def _tfidf_vectors(sentences: list[str]) -> list[dict[str, float]]:
    counts = [_terms(s) for s in sentences]
    document_frequency: Counter[str] = Counter()
    for terms in counts:
        document_frequency.update(terms.keys())
    total = len(sentences)
    vectors = []
    for terms in counts:
        vector = {
            term: (1 + math.log(tf)) * (math.log((1 + total) / (1 + document_frequency[term])) + 1)
            for term, tf in terms.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({term: v / norm for term, v in vector.items()})
    return vectors


def _readable(sentence: str) -> bool:
    words = sentence.split()
    plain = sum(1 for w in words if w.strip(".,;:!?()\"'").isalpha())
    return MIN_WORDS <= len(words) <= MAX_WORDS and plain >= MIN_PLAIN_WORD_SHARE * len(words)


def extractive_summary(text: str, *, max_sentences: int = 3) -> str:
    """The ``max_sentences`` most central, mutually distinct sentences of ``text``, in document order."""
    sentences = split_sentences(text)
    if len(sentences) <= max_sentences:
        return " ".join(sentences)
    vectors = _tfidf_vectors(sentences)
    centroid: dict[str, float] = {}
    for vector in vectors:
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    centroid = {term: v / norm for term, v in centroid.items()}
    relevance = [_cosine(v, centroid) for v in vectors]

    candidates = [i for i, s in enumerate(sentences) if _readable(s)]
    if len(candidates) < max_sentences:
        candidates = list(range(len(sentences)))
    chosen: list[int] = []
    while candidates and len(chosen) < max_sentences:

        def marginal(i: int) -> float:
            redundancy = max((_cosine(vectors[i], vectors[j]) for j in chosen), default=0.0)
            return MMR_LAMBDA * relevance[i] - (1 - MMR_LAMBDA) * redundancy

        best = max(candidates, key=lambda i: (marginal(i), -i))  # ties go to the earlier sentence
        chosen.append(best)
        candidates = [i for i in candidates if i != best and sentences[i] != sentences[best]]
    return " ".join(sentences[i] for i in sorted(chosen))


# -- vertex --------------------------------------------------------------------------------------

SYSTEM_INSTRUCTION = (
    "You summarise documents for the index of a portfolio site's search and chatbot. Write plain "
    "prose: no lists, no headings, no preamble such as 'This document'. State only what the document "
    "says."
)


def _prompt(text: str, max_sentences: int) -> str:
    length = "in one sentence" if max_sentences == 1 else f"in 2 to {max(2, max_sentences)} sentences"
    return (
        f"Summarise the following document {length}, saying what it is about and its main point.\n\n"
        f"<document>\n{text}\n</document>"
    )


def _vertex_summary(text: str, settings: VertexSummarySettings, max_sentences: int) -> str:
    from google.genai import types

    if not text.strip():
        return ""
    try:
        client = genai_client(
            project=settings.project,
            location=settings.location,
            base_url=settings.base_url,
            credentials=settings.credentials,
            timeout_s=settings.timeout_s,
            retry_attempts=settings.retry_attempts,
            retry_initial_delay=settings.retry_initial_delay,
        )
        try:
            response = client.models.generate_content(
                model=settings.model,
                contents=_prompt(text[: settings.max_input_chars], max_sentences),
                config=types.GenerateContentConfig(
                    system_instruction=SYSTEM_INSTRUCTION,
                    temperature=0.2,
                    max_output_tokens=400,
                    # A summary needs no reasoning; thinking tokens would eat the output budget.
                    thinking_config=types.ThinkingConfig(thinking_budget=0),
                    http_options=request_http_options(),
                ),
            )
        except upstream_exceptions() as exc:
            raise vertex_error(exc, "summary") from exc
        summary = " ".join((response.text or "").split())
        if not summary:
            raise UpstreamError("Gemini returned no summary text.", code=VERTEX_EMPTY_SUMMARY)
        return summary
    except UpstreamError as exc:
        if not settings.fallback_to_local:
            raise
        logger.warning(
            "vertex summary failed, using the extractive one",
            extra={"error_code": exc.error_code, "error": exc.message},
        )
        return extractive_summary(text, max_sentences=max_sentences)
