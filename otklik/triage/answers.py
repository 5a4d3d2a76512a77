"""Answer suggestions: the most similar previously approved answers (TF-IDF, cosine)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

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
    answers of the nearest questions are suggested.  A sparse tf-idf matrix in memory:
    a look-up is one sparse product.
    """

    def __init__(self, items: Sequence[tuple[int, Sequence[str], str]]):
        self._keys = [k for k, _, _ in items]
        self._texts = [t for _, _, t in items]
        docs = [Counter(_words(lemmas)) for _, lemmas, _ in items]
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = len(docs)
        # Words in more than 30% of the questions say nothing about which answer fits.
        common = max(20, int(n * 0.3))
        kept = sorted(w for w, c in df.items() if c <= common)
        self._vocab = {w: i for i, w in enumerate(kept)}
        self._idf = [math.log((1 + n) / (1 + df[w])) + 1.0 for w in kept]
        rows, cols, vals = [], [], []
        for r, d in enumerate(docs):
            idx, val = self._vector(d)
            rows += [r] * len(idx)
            cols += idx
            vals += val
        self._matrix = sparse.csc_matrix((vals, (rows, cols)), shape=(n, len(kept)), dtype=np.float32)

    def _vector(self, counts: Counter[str]) -> tuple[list[int], list[float]]:
        idx = [self._vocab[w] for w in counts if w in self._vocab]
        val = [(1 + math.log(counts[w])) * self._idf[self._vocab[w]] for w in counts if w in self._vocab]
        norm = math.sqrt(sum(v * v for v in val)) or 1.0
        return idx, [v / norm for v in val]

    def suggest(self, lemmas: Sequence[str], k: int = 3, min_score: float = 0.15) -> list[AnswerSuggestion]:
        idx, val = self._vector(Counter(_words(lemmas)))
        if not idx or not self._keys:
            return []
        scores = np.asarray(self._matrix[:, idx] @ np.asarray(val, dtype=np.float32)).ravel()
        candidates = np.flatnonzero(scores >= min_score)
        if not len(candidates):
            return []
        best = candidates[np.argsort(-scores[candidates])][: k * 5]
        out: list[AnswerSuggestion] = []
        seen_texts: set[str] = set()
        for i in best.tolist():
            if self._texts[i] in seen_texts:
                continue
            seen_texts.add(self._texts[i])
            out.append(AnswerSuggestion(self._keys[i], round(float(scores[i]), 3), self._texts[i]))
            if len(out) >= k:
                break
        return out
