"""Answer suggestions: the most similar previously approved answers (TF-IDF, cosine)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .routing import _words


@dataclass(slots=True)
class AnswerSuggestion:
    key: int  # e.g. the approved draft's id
    score: float
    text: str

    def as_dict(self) -> dict:
        return {"draft": self.key, "score": self.score, "text": self.text}


class AnswerIndex:
    """Index of (question lemmas, approved answer) pairs of one municipality.

    A new message is compared with the *questions* the answers were written for; the
    answers of the nearest questions are suggested.  Small and in memory: a
    municipality approves a few thousand answers a year.
    """

    def __init__(self, items: Sequence[tuple[int, Sequence[str], str]]):
        self._keys = [k for k, _, _ in items]
        self._texts = [t for _, _, t in items]
        docs = [Counter(_words(lemmas)) for _, lemmas, _ in items]
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = len(docs)
        self._idf = {w: math.log((1 + n) / (1 + c)) + 1.0 for w, c in df.items()}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for i, d in enumerate(docs):
            vec = self._weigh(d)
            for w, v in vec.items():
                self._postings.setdefault(w, []).append((i, v))

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        vec = {w: (1 + math.log(c)) * self._idf[w] for w, c in counts.items() if w in self._idf}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def suggest(self, lemmas: Sequence[str], k: int = 3, min_score: float = 0.15) -> list[AnswerSuggestion]:
        scores: dict[int, float] = {}
        for w, v in self._weigh(Counter(_words(lemmas))).items():
            for i, u in self._postings.get(w, ()):
                scores[i] = scores.get(i, 0.0) + v * u
        best = sorted(scores.items(), key=lambda kv: -kv[1])
        out: list[AnswerSuggestion] = []
        seen_texts: set[str] = set()
        for i, s in best:
            if s < min_score or len(out) >= k:
                break
            if self._texts[i] in seen_texts:
                continue
            seen_texts.add(self._texts[i])
            out.append(AnswerSuggestion(self._keys[i], round(s, 3), self._texts[i]))
        return out
