"""Relevance (§9.1): does a message need a reaction? A score in [0, 1] with reasons."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import lexicon
from .text import NormalizedText

DEFAULT_THRESHOLD = 0.5
_BIGRAM_HEADS = frozenset(w.split("_")[0] for w in lexicon.REQUEST_LEMMAS | lexicon.PROBLEM_LEMMAS if "_" in w)
_GREETINGS = frozenset("поздравлять поздравление праздник счастье здоровье желать привет".split())


@dataclass(slots=True)
class Relevance:
    score: float
    relevant: bool
    reasons: list[str] = field(default_factory=list)


def score_relevance(nt: NormalizedText, *, topic_hits: int = 0, threshold: float = DEFAULT_THRESHOLD) -> Relevance:
    """Rule-based relevance: requests, questions and problems push up; thanks, chatter,
    emoji and advertising push down.  ``topic_hits`` is how many topic keywords matched."""
    lemmas = nt.lemmas
    n = len(lemmas)
    if n == 0:
        reason = "только эмодзи" if nt.n_emoji else "нет текста"
        return Relevance(0.0, False, [reason])
    lemma_set = set(lemmas)
    bigrams = {f"{a}_{b}" for a, b in zip(lemmas, lemmas[1:], strict=False) if a in _BIGRAM_HEADS}
    z = -1.2
    reasons: list[str] = []

    request = (lemma_set | bigrams) & lexicon.REQUEST_LEMMAS
    if request:
        z += 1.6
        reasons.append("просьба/требование: " + ", ".join(sorted(request)[:3]))
    if "?" in nt.clean:
        z += 0.9
        reasons.append("есть вопрос")
    question = lemma_set & lexicon.QUESTION_LEMMAS
    if question and "?" not in nt.clean:
        z += 0.4
        reasons.append("вопросительные слова: " + ", ".join(sorted(question)[:3]))
    problem = (lemma_set | bigrams) & lexicon.PROBLEM_LEMMAS
    if problem:
        z += min(0.6 * len(problem), 1.5)
        reasons.append("описание проблемы: " + ", ".join(sorted(problem)[:3]))
    if topic_hits:
        z += min(1.3 + 0.5 * (topic_hits - 1), 2.3)
        reasons.append(f"слова тематики: {topic_hits}")

    thanks = lemma_set & lexicon.THANKS_LEMMAS
    if thanks and not request and not problem:
        z -= 1.5
        reasons.append("благодарность")
    chatter = lemma_set & lexicon.CHATTER_LEMMAS
    if n <= 4 and not request and not problem and not topic_hits:
        z -= 1.2
        reasons.append("короткая реплика" if not chatter else "приветствие/реплика")
    elif chatter & _GREETINGS and not request and not problem and "?" not in nt.clean:
        z -= 1.2
        reasons.append("поздравление/приветствие")
    ads = lemma_set & lexicon.AD_LEMMAS
    if ads and (nt.n_urls or len(ads) >= 2):
        z -= 2.0
        reasons.append("похоже на рекламу: " + ", ".join(sorted(ads)[:3]))
    elif nt.n_urls and n < 8:
        z -= 0.8
        reasons.append("ссылка без текста")

    score = round(1.0 / (1.0 + math.exp(-z)), 3)
    return Relevance(score, score >= threshold, reasons)
