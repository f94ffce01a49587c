"""Tags of a paper: keyphrases, plus ``has-code`` when a GitHub repository (or code) is known.

Keyphrases are Hugging Face's ``ai_keywords`` when the paper has them (already curated, so only
normalised: lowercase, NFKC, one space, de-duplicated by their singular form, at most ``limit``).
Otherwise they are extracted from title and abstract, RAKE-style (Rose et al., 2010): the text is cut into
candidate phrases at stopwords, punctuation and numbers; a word scores degree/frequency (words that
occur inside longer phrases score higher), a phrase the sum of its words, boosted when it also occurs in
the title or more than once. Candidates are the runs' 2- and 3-word pieces (so a phrase is counted
inside longer runs too) and single words said at least twice. The best non-overlapping phrases are
kept, title and repeated ones first, with at most two one-off phrases.

Why not a package: YAKE (the usual light choice) pulls in networkx, jellyfish, segtok and tabulate for
what is ~80 lines here, and RAKE's output is deterministic and fast (well under a millisecond a paper),
which a batch of 1,500 papers needs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import resources

from portfolio_scraper.enrich.text import normalise_text, singular
from portfolio_scraper.sources.types import PaperDraft

HAS_CODE = "has-code"
MAX_KEYPHRASES = 8
MAX_EXTRACTED = 6
MAX_PHRASE_WORDS = 3
TITLE_BOOST = 2.0
#: Phrases said once, in the abstract only, that may fill the remaining places (they are often clauses).
MAX_ONE_OFFS = 2


def _load_stopwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


#: English function words plus the boilerplate of abstracts (``stopwords.txt`` beside this module).
STOPWORDS = _load_stopwords()

_SPLIT = re.compile(r"[^\w\s-]|(?<!\w)-|-(?!\w)|_")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_LETTER = re.compile(r"[^\W\d_]")


def normalise_tag(value: str) -> str | None:
    """A tag as stored: NFKC, lowercase, single spaces, no surrounding punctuation; None when empty."""
    text = normalise_text(value)
    if text is None:
        return None
    text = text.lower().strip(" .,;:!?\"'()[]{}")
    return text or None


def _tag_key(tag: str) -> tuple[str, ...]:
    return tuple(singular(word) for word in re.split(r"[\s-]+", tag) if word)


def _unique_tags(values: Iterable[str], limit: int) -> list[str]:
    seen: set[tuple[str, ...]] = set()
    out: list[str] = []
    for value in values:
        tag = normalise_tag(value)
        if tag is None or (key := _tag_key(tag)) in seen:
            continue
        seen.add(key)
        out.append(tag)
        if len(out) == limit:
            break
    return out


def _runs(text: str) -> list[tuple[str, ...]]:
    """Maximal runs of content words between stopwords, punctuation and numbers."""
    runs: list[tuple[str, ...]] = []
    for chunk in _SPLIT.split(unicodedata.normalize("NFKC", text).lower()):
        current: list[str] = []
        for word in _WORD.findall(chunk):
            if word in STOPWORDS or len(word) < 2 or not _LETTER.search(word):
                if current:
                    runs.append(tuple(current))
                current = []
            else:
                current.append(word)
        if current:
            runs.append(tuple(current))
    return runs


Phrase = tuple[str, ...]


def _pieces(run: Phrase) -> list[tuple[Phrase, Phrase]]:
    """Candidate phrases of a run with their singular keys: the run if one word, else its 2- and 3-word
    pieces. Pieces let "deformation field" be counted in both "compact deformation field" and
    "deformation field renders", where plain RAKE sees two unrelated one-off phrases.
    """
    key = tuple(map(singular, run))
    if len(run) == 1:
        return [(run, key)]
    top = min(MAX_PHRASE_WORDS, len(run))
    return [(run[i : i + n], key[i : i + n]) for n in range(2, top + 1) for i in range(len(run) - n + 1)]


def extract_keyphrases(title: str | None, abstract: str | None, *, limit: int = MAX_EXTRACTED) -> list[str]:
    """Up to ``limit`` keyphrases of title and abstract, best first (RAKE-style, see the module docstring)."""
    title_runs = _runs(title or "")
    runs = title_runs + _runs(abstract or "")
    frequency: Counter[str] = Counter()
    degree: Counter[str] = Counter()
    for run in runs:
        frequency.update(run)
        for word in run:
            degree[word] += len(run)
    counts: Counter[Phrase] = Counter()
    shown: dict[Phrase, Phrase] = {}  # key -> the words as first written
    for run in runs:
        for phrase, key in _pieces(run):
            counts[key] += 1
            shown.setdefault(key, phrase)
    in_title = {key for run in title_runs for _, key in _pieces(run)}
    word_score = {word: degree[word] / count for word, count in frequency.items()}
    scored = []
    for order, (key, phrase) in enumerate(shown.items()):
        count = counts[key]
        if len(key) == 1 and count < 2:
            continue  # a lone word must be said twice to count at all
        score = sum(map(word_score.__getitem__, phrase)) * (1 + 0.5 * (count - 1))
        if key in in_title:
            score *= TITLE_BOOST
        # A phrase in the title or said twice is a keyphrase far more often than a one-off in the abstract.
        salient = key in in_title or count > 1
        scored.append((not salient, -score, order, key))
    chosen: list[Phrase] = []
    used: set[str] = set()
    one_offs = 0
    for not_salient, _, _, key in sorted(scored):
        # Skip phrases that share a word with a better one: "language model" after "large language model".
        if used.intersection(key) or (not_salient and one_offs == MAX_ONE_OFFS):
            continue
        one_offs += not_salient
        chosen.append(shown[key])
        used.update(key)
        if len(chosen) == limit:
            break
    return [" ".join(phrase) for phrase in chosen]  # distinct by construction: no two share a word


def tags_for(draft: PaperDraft, *, limit: int = MAX_KEYPHRASES) -> list[str]:
    """Keyphrases (``ai_keywords`` when present, else extracted) plus ``has-code`` when code is known.

    Code is known when a GitHub repository is named or a source says code exists (``has_code``).
    """
    tags = _unique_tags(draft.ai_keywords, limit)
    if not tags:
        tags = extract_keyphrases(draft.title, draft.abstract, limit=min(limit, MAX_EXTRACTED))
    tags = [tag for tag in tags if tag != HAS_CODE]
    if draft.github_repo or draft.has_code:
        tags.append(HAS_CODE)
    return tags
