"""The offline provider: the retrieved sentences that best match the question, each cited.

Sentences are scored by the share of the question's stems they contain, weighted by how well their
passage ranked; the best few (at most four, and none scoring under half the best: a sentence that
shares one word with the question is no answer to it) are quoted in reading order, each followed by
its ``[n]`` marker. Retrieved text is only ever quoted, never interpreted, so an instruction inside it has no
effect beyond being a sentence that may or may not match the question.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.providers.base import Answer, Mode, cite, declined
from chatbot.retrieval import Passage
from chatbot.text import split_sentences, stems

MAX_SENTENCES = 4
MAX_SENTENCE_CHARS = 400
LEAD_SENTENCES = 2
#: A quoted sentence scores at least this share of the best sentence's score.
MIN_RELATIVE_SCORE = 0.5


@dataclass(frozen=True)
class Scored:
    score: float
    passage: int  # 1-based
    position: int
    text: str


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + "…"


class ExtractiveProvider:
    mode: Mode = "extractive"

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        wanted = stems(question)
        candidates: list[Scored] = []
        for number, passage in enumerate(passages, start=1):
            rank_weight = 1.0 / (1.0 + 0.15 * (number - 1))
            for position, sentence in enumerate(split_sentences(passage.text)):
                overlap = len(wanted & stems(sentence))
                if overlap and wanted:
                    candidates.append(Scored(overlap / len(wanted) * rank_weight, number, position, sentence))
        best = sorted(candidates, key=lambda c: (-c.score, c.passage, c.position))[:MAX_SENTENCES]
        best = [c for c in best if c.score >= MIN_RELATIVE_SCORE * best[0].score]
        if not best:
            best = self._lead(passages)
        if not best:
            return declined(self.mode)
        best.sort(key=lambda c: (c.passage, c.position))
        text = " ".join(f"{_clip(c.text)} [{c.passage}]" for c in best)
        snippets: dict[int, str] = {}
        for c in best:
            snippets.setdefault(c.passage, _clip(c.text))
        return cite(text, passages, self.mode, snippets)

    @staticmethod
    def _lead(passages: list[Passage]) -> list[Scored]:
        """A chosen paper's abstract answers a question none of its sentences match by its opening."""
        for number, passage in enumerate(passages, start=1):
            if passage.fallback:
                sentences = split_sentences(passage.text)[:LEAD_SENTENCES]
                return [Scored(0.0, number, i, s) for i, s in enumerate(sentences)]
        return []
