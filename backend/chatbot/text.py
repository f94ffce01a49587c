"""Lexical helpers of the chatbot: sentence splitting, tokens, a light stemmer, key terms.

Embeddings are the document processor's business; core only needs to compare a question with a
few retrieved sentences, which word overlap after lowercasing and suffix stripping does well
enough and offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n{2,}|\n(?=\s*[-*•]\s)")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#.-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        """a about above after again against all am an and any are as at be because been before being
        below between both but by can could did do does doing down during each few for from further
        had has have having he her here hers herself him himself his how i if in into is it its itself
        just me more most my myself no nor not now of off on once only or other our ours ourselves out
        over own same she should so some such than that the their theirs them themselves then there
        these they this those through to too under until up very was we were what when where which
        while who whom why will with would you your yours yourself yourselves tell please also used
        use using uses explain describe know much many""",
    )
)
#: Words that point back at an earlier subject: a question holding one is a follow-up.
PRONOUNS = frozenset(re.findall(r"\S+", "it its that this they them their those these he she his her there"))
_SUFFIXES = (
    "ational",
    "ization",
    "fulness",
    "ousness",
    "iveness",
    "ation",
    "ment",
    "ness",
    "ing",
    "ied",
    "er",
    "ed",
    "ly",
    "al",
)
#: Suffixes after which a doubled consonant is the spelling's, not the word's ("running").
_UNDOUBLE = frozenset(["ing", "ed", "er"])


@dataclass(frozen=True)
class Sentence:
    """One quotable sentence of a passage and the heading of the section it stands in.

    ``lead`` marks the first sentence under its heading: the one the heading introduces, which
    may be quoted with the heading in front (a journey entry's organisation is only in its heading).
    """

    text: str
    heading: str | None = None
    lead: bool = False

    def quoted(self, *, with_heading: bool = True) -> str:
        """The sentence with its heading in front when it is the one the heading introduces."""
        if with_heading and self.lead and self.heading:
            return f"{self.heading}: {self.text}"
        return self.text


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+")
_LABEL_LINE = re.compile(r"^[A-Z][A-Za-z &/-]{1,30}: \S")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_EMPHASIS = re.compile(r"(\*{1,3}|~~|(?<![\w])_{1,2})(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`([^`]*)`")
#: A list item this short with no sentence of its own is a name in a list (a technology, a link).
_SHORT_ITEM = 60


def _inline(text: str) -> str:
    """Markdown's inline markup removed: links read "label (url)", emphasis and code keep their text."""
    return " ".join(_EMPHASIS.sub(r"\2", _CODE.sub(r"\1", _LINK.sub(_link, text))).split())


def _link(match: re.Match[str]) -> str:
    """A link keeps its label and its address: the address is often the fact asked for."""
    label, url = match.group(1).strip(), match.group(2).strip()
    return f"{label} ({url})" if label and url and url != label else label or url


def _blocks(text: str) -> list[tuple[str, str]]:
    """``text``'s lines grouped into blocks: ``("heading", title)``, ``("item", text)``,
    ``("row", cells joined by |)`` and ``("para", text)``; wrapped lines joined, code left out."""
    blocks: list[tuple[str, str]] = []
    in_code = False
    for raw in text.replace("\f", "\n").splitlines():
        if _FENCE.match(raw):
            in_code = not in_code
            continue
        if in_code:
            continue
        line = raw.strip()
        if not line:
            blocks.append(("break", ""))
            continue
        heading = _HEADING.match(raw)
        if heading:
            blocks.append(("heading", _inline(heading.group(2))))
        elif _LIST_ITEM.match(raw):
            blocks.append(("item", _LIST_ITEM.sub("", raw, count=1).strip()))
        elif line.startswith("|"):
            if not _TABLE_RULE.match(line):
                blocks.append(("row", line))
        elif _LABEL_LINE.match(line):
            blocks.append(("para", line))
            blocks.append(("break", ""))
        elif blocks and (blocks[-1][0] == "para" or (blocks[-1][0] == "item" and raw[:1].isspace())):
            kind, previous = blocks[-1]  # a wrapped line continues its paragraph or list item
            blocks[-1] = (kind, f"{previous} {line}")
        else:
            blocks.append(("para", line))
    return [block for block in blocks if block[0] != "break"]


def _rows(rows: list[str]) -> list[str]:
    """A Markdown table as one sentence per body row: ``first cell: header value, header value``."""
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    header, body = (cells[0], cells[1:]) if len(cells) > 1 else ([], cells)
    sentences = []
    for row in body:
        pairs = [
            f"{header[i]} {value}" if i < len(header) and header[i] else value
            for i, value in enumerate(row[1:], start=1)
            if value
        ]
        sentences.append(f"{row[0]}: {', '.join(pairs)}." if pairs else row[0])
    return sentences


def split_structured(text: str, headings: list[str] | tuple[str, ...] = ()) -> list[Sentence]:
    """The sentences of a Markdown or plain ``text``, each with the heading it stands under.

    Headings are never sentences. A run of short list items (a stack, a list of links) is one
    sentence, ``"Heading: a, b, c."``. ``headings`` is the section's heading path when the text
    starts inside a section whose heading line it does not hold (a chunk cut mid-section).
    """
    heading = headings[-1] if headings else None
    lead = False  # a heading the text does not show introduced nothing here
    out: list[Sentence] = []
    blocks = _blocks(text)
    i = 0
    while i < len(blocks):
        kind, body = blocks[i]
        if kind == "heading":
            heading, lead = body, True
            i += 1
            continue
        if kind == "row":
            rows = []
            while i < len(blocks) and blocks[i][0] == "row":
                rows.append(blocks[i][1])
                i += 1
            pieces = _rows(rows)
        elif kind == "item" and len(_inline(body)) <= _SHORT_ITEM and not re.search(r"[.!?;]$", body):
            items = []
            while (
                i < len(blocks)
                and blocks[i][0] == "item"
                and len(_inline(blocks[i][1])) <= _SHORT_ITEM
                and not re.search(r"[.!?;]$", blocks[i][1])
            ):
                items.append(_inline(blocks[i][1]))
                i += 1
            joined = ", ".join(items)
            pieces = [f"{heading}: {joined}." if heading and len(items) > 0 else joined]
            if heading:
                out.extend(Sentence(p, heading, False) for p in pieces)
                lead = False
                continue
        else:
            paragraph = _inline(body)
            i += 1
            # "It uses the same definition for:" and the items it introduces are one sentence.
            if paragraph.endswith(":") and i < len(blocks) and blocks[i][0] == "item":
                items = []
                while i < len(blocks) and blocks[i][0] == "item":
                    items.append(re.sub(r"(?:[;,.]|\s+(?:and|or))+$", "", _inline(blocks[i][1])))
                    i += 1
                paragraph = f"{paragraph} {'; '.join(items)}."
            pieces = split_sentences(paragraph)
        for piece in pieces:
            out.append(Sentence(piece, heading, lead))
            lead = False
    return out


def split_sentences(text: str) -> list[str]:
    """``text`` cut into sentences (also at blank lines and list items), whitespace collapsed."""
    pieces = (" ".join(piece.split()) for piece in _SENTENCE_END.split(text))
    return [piece for piece in pieces if piece]


def words(text: str) -> list[str]:
    """Lowercased words of ``text`` (keeps terms like ``c++``, ``gpt-4`` and ``node.js`` whole)."""
    return [match.group(0).lower() for match in _WORD.finditer(text)]


#: British "-ise" spellings and their "-ize" twins meet ("quantised"/"quantized", "optimisation").
_BRITISH_ISE = re.compile(r"(?<=\w{3})is(?=(?:e|ed|es|ing|ation|ations|er|ers)$)")


def stem(word: str) -> str:
    """A crude stemmer: plurals first (``compresses``/``compress``, ``queries``/``query``, but not
    ``analysis``), then one derivational suffix, so ``retrieval``/``retrieved``/``retrieving`` meet.

    Also: ``studied``/``study``, ``reproducibility``/``reproducible``, British ``-ise`` as ``-ize``
    (``quantised``/``quantized``, ``optimisation``/``optimize``) and a doubled final consonant left
    by ``-ing``/``-ed``/``-er`` (``running``/``run``, ``embedded``/``embed``)."""
    word = _BRITISH_ISE.sub("iz", word)
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("bility") and len(word) > 8:
        word = word[:-5] + "le"
    elif word.endswith("ization") and len(word) > 9:
        return word[:-5]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if suffix in _UNDOUBLE and len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def key_terms(text: str) -> list[str]:
    """The content words of ``text`` in order, stopwords and duplicates removed (unstemmed)."""
    seen: set[str] = set()
    terms = []
    for word in words(text):
        if word in STOPWORDS or len(word) < 2 or word in seen:
            continue
        seen.add(word)
        terms.append(word)
    return terms


#: A span of years as documents write it ("July 2019 to March 2022", "2022-present"; en/em dashes too).
_YEAR_SPAN = re.compile(
    r"\b((?:19|20)\d\d)\s*(?:to|until|till|\u2013|\u2014|-)\s*(?:[A-Za-z]+\.?\s+)?((?:19|20)\d\d|present|now|today)\b",
    re.IGNORECASE,
)
#: A run of two or more capitalised words ("National Institute of Technology"), "of"/"and"/"for" inside.
_NAME_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:(?:of|and|for|&)\s+)?[A-Z][a-z]+)+")
_NAME_FILLERS = frozenset(["of", "and", "for", "&"])


def years_spanned(text: str) -> set[str]:
    """The years inside each span of ``text`` ("2019 to 2022" holds 2020 and 2021; "present" is
    this year), so "what was he doing in 2020?" finds the entry that runs through it."""
    found: set[str] = set()
    for match in _YEAR_SPAN.finditer(text):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2).isdigit() else date.today().year
        if first <= last <= first + 60:
            found.update(str(year) for year in range(first, last + 1))
    return found


def acronyms(text: str) -> set[str]:
    """The initials of each run of capitalised words in ``text`` and of its shorter runs, with and
    without the small words inside ("National Institute of Technology": "nit", "niot", "ni", "it" …):
    a visitor types the short form."""
    found: set[str] = set()
    for match in _NAME_RUN.finditer(text):
        words_ = match.group(0).split()
        # Every run of two or more of its words: "Machine Learning Engineer" is also "ML".
        for i in range(len(words_)):
            for j in range(i + 2, len(words_) + 1):
                parts = words_[i:j]
                if parts[0] in _NAME_FILLERS or parts[-1] in _NAME_FILLERS:
                    continue
                found.add("".join(p[0] for p in parts if p not in _NAME_FILLERS).lower())
                found.add("".join(p[0] for p in parts).lower())
    return {a for a in found if len(a) >= 2}


def vocabulary(text: str) -> set[str]:
    """The stems of ``text``'s words (stopwords aside), hyphenated words also by their parts, so
    "time-to-answer" holds "time" and "answer"; also the years its date spans run through and the
    acronyms of its capitalised names (:func:`years_spanned`, :func:`acronyms`)."""
    found: set[str] = set()
    for word in words(text):
        word = word.strip(".")
        if word in STOPWORDS:
            continue
        found.add(stem(word))
        if "-" in word:
            found.update(stem(part) for part in word.split("-") if len(part) > 1 and part not in STOPWORDS)
    return found | years_spanned(text) | acronyms(text)


def stems(text: str) -> set[str]:
    """The stems of ``text``'s content words."""
    return {stem(word) for word in key_terms(text)}


def refers_back(text: str) -> bool:
    """Whether ``text`` reads as a follow-up: a pronoun, or at most two content words."""
    return bool(PRONOUNS.intersection(words(text))) or len(key_terms(text)) <= 2
