"""Topic rubricator by keywords (cold start) — pure Python.

The default rubricator mirrors ``otklik.directory.defaults.DEFAULT_TOPICS``; a
municipality may pass its own keywords (topic name -> keyword string).  When the
municipality has labelled cases, a trained :class:`~otklik.triage.routing.LinearModel`
over topics replaces this (``triage_train``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from . import lexicon
from .text import lemmatize


@dataclass(slots=True)
class TopicGuess:
    topic: str | None
    score: float
    reasons: list[str] = field(default_factory=list)


def _parse_keywords(keywords: str) -> tuple[set[str], set[tuple[str, str]]]:
    unigrams: set[str] = set()
    bigrams: set[tuple[str, str]] = set()
    for item in keywords.replace(",", " ").split():
        parts = [lemmatize(p.lower()) for p in item.split("_") if p]
        if len(parts) == 1:
            unigrams.add(parts[0])
        elif len(parts) >= 2:
            bigrams.add((parts[0], parts[1]))
    return unigrams, bigrams


class TopicMatcher:
    """Scores topics by the keyword lemmas and lemma bigrams found in a message."""

    def __init__(self, keywords: Mapping[str, str] | None = None, *, allowed: Iterable[str] | None = None):
        source = dict(lexicon.TOPIC_KEYWORDS if keywords is None else keywords)
        if allowed is not None:
            allowed_set = set(allowed)
            source = {k: v for k, v in source.items() if k in allowed_set}
        self.topics = list(source)
        self._uni: dict[str, list[int]] = {}
        self._bi: dict[tuple[str, str], list[int]] = {}
        for index, name in enumerate(self.topics):
            uni, bi = _parse_keywords(source[name])
            for u in uni:
                self._uni.setdefault(u, []).append(index)
            for b in bi:
                self._bi.setdefault(b, []).append(index)

    def match(self, lemmas: list[str]) -> TopicGuess:
        scores = [0.0] * len(self.topics)
        why: dict[int, list[str]] = {}
        seen: set[object] = set()
        uni = self._uni
        for lemma in lemmas:
            hit = uni.get(lemma)
            if hit and lemma not in seen:
                seen.add(lemma)
                for i in hit:
                    scores[i] += 1.0
                    why.setdefault(i, []).append(lemma)
        if self._bi:
            for a, b in zip(lemmas, lemmas[1:], strict=False):
                hit2 = self._bi.get((a, b))
                if hit2 and (a, b) not in seen:
                    seen.add((a, b))
                    for i in hit2:
                        scores[i] += 2.0
                        why.setdefault(i, []).append(f"{a} {b}")
        if not why:
            return TopicGuess(None, 0.0, [])
        best = max(why, key=lambda i: (scores[i], -i))
        total = sum(scores)
        return TopicGuess(self.topics[best], round(scores[best] / total, 3), why[best][:5])


_default: TopicMatcher | None = None


def default_matcher() -> TopicMatcher:
    global _default
    if _default is None:
        _default = TopicMatcher()
    return _default
