"""Relevance (§9.1): does a message need a reaction? A score in [0, 1] with reasons."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from . import lexicon
from .text import NormalizedText, quoted

DEFAULT_THRESHOLD = 0.5
_BIGRAM_HEADS = frozenset(w.split("_")[0] for w in lexicon.REQUEST_LEMMAS | lexicon.PROBLEM_LEMMAS if "_" in w)
_GREETINGS = frozenset("поздравлять поздравление праздник счастье здоровье желать привет".split())


class Relevance:
    """The score, the verdict and the reasons; reasons that quote the message are worked
    out on first access (``triage_run`` and the benchmarks never read them).

    ``routable``: whether executors are worth suggesting.  Only a message that says what
    it is not — an advertisement, a private offer, a job notice, thanks, a greeting, a bare
    link or short chatter — gets none; a low score alone (a complaint in words the rules
    do not know) still gets suggestions for the specialist who reads it."""

    __slots__ = ("score", "relevant", "routable", "_parts")

    def __init__(
        self,
        score: float,
        relevant: bool,
        reasons: list[str | Callable[[], str]] | None = None,
        *,
        routable: bool | None = None,
    ):
        self.score = score
        self.relevant = relevant
        self.routable = relevant if routable is None else routable
        self._parts: list[str | Callable[[], str]] = list(reasons or [])

    @property
    def reasons(self) -> list[str]:
        if any(callable(p) for p in self._parts):
            self._parts = [p() if callable(p) else p for p in self._parts]
        return self._parts  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"Relevance({self.score}, {self.relevant}, {self.reasons!r})"


def _in_text_order(nt: NormalizedText, keys: set[str]) -> list[str]:
    """Matched lemmas/bigrams in the order the message has them (the first ones read best)."""

    def place(key: str) -> tuple[int, int]:
        pos = nt.first_position(key.split("_", 1)[0])
        # A bigram says more than its first word: «не_работать» before «не».
        return (10**6 if pos is None else pos, -len(key))

    return sorted(keys, key=place)


def score_relevance(
    nt: NormalizedText,
    *,
    topic_hits: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
    topic: str | None = None,
    topic_words: Sequence[str] = (),
) -> Relevance:
    """Rule-based relevance: requests, questions and problems push up; thanks, chatter,
    emoji and advertising push down.  ``topic_hits`` is how many topic keywords matched
    (``topic_words`` the keywords, to show them).  Reasons quote the message's own words."""
    lemmas = nt.lemmas
    n = len(lemmas)
    if n == 0:
        reason = "только эмодзи" if nt.n_emoji else "нет текста"
        return Relevance(0.0, False, [reason])
    lemma_set = set(lemmas)
    bigrams = {f"{a}_{b}" for a, b in zip(lemmas, lemmas[1:], strict=False) if a in _BIGRAM_HEADS}
    z = -1.2
    reasons: list[str | Callable[[], str]] = []
    not_a_request = False  # a signal that the message is something else (below)

    request = (lemma_set | bigrams) & lexicon.REQUEST_LEMMAS
    if request:
        z += 1.6
        reasons.append(lambda: "просьба или требование: " + quoted(nt, _in_text_order(nt, request)))
    if "?" in nt.clean:
        z += 0.9
        reasons.append("есть вопрос")
    question = lemma_set & lexicon.QUESTION_LEMMAS
    if question and "?" not in nt.clean:
        z += 0.4
        reasons.append(lambda: "вопрос: " + quoted(nt, _in_text_order(nt, question)))
    problem = (lemma_set | bigrams) & lexicon.PROBLEM_LEMMAS
    if problem:
        z += min(0.6 * len(problem), 1.5)

        def problem_reason(found: set[str] = problem) -> str:
            shown = _in_text_order(nt, found)
            # «не» alone is covered by its bigram («не работает»).
            shown = [k for k in shown if not any(b.startswith(k + "_") for b in shown)]
            return "описание проблемы: " + quoted(nt, shown)

        reasons.append(problem_reason)
    if topic_hits:
        z += min(1.3 + 0.5 * (topic_hits - 1), 2.3)
        if topic and topic_words:
            reasons.append(lambda: f"слова темы «{topic}»: " + quoted(nt, list(topic_words)))
        else:
            reasons.append(f"слов по теме: {topic_hits}")

    thanks = lemma_set & lexicon.THANKS_LEMMAS
    if thanks and not request and not problem:
        z -= 1.5
        not_a_request = True
        reasons.append(lambda: "благодарность: " + quoted(nt, _in_text_order(nt, thanks)))
    chatter = lemma_set & lexicon.CHATTER_LEMMAS
    if not chatter and n <= 4:  # «ок» parses as «около»: short replies are read as written too
        chatter = {w.norm for w in nt.words} & lexicon.CHATTER_LEMMAS
    if n <= 4 and not request and not problem and not topic_hits:
        z -= 1.2
        not_a_request = bool(chatter)  # «ок», «привет» — but «ямы», «подстричь кусты» may be a complaint
        reasons.append("короткая реплика без просьбы" if not chatter else "приветствие или короткая реплика")
    elif chatter & _GREETINGS and not request and not problem and "?" not in nt.clean:
        z -= 1.2
        not_a_request = True
        reasons.append("поздравление или приветствие")
    words = nt.words
    if words and words[0].norm in lexicon.OFFER_OPENERS and not problem and "?" not in nt.clean:
        z -= 2.5
        not_a_request = True
        reasons.append(f"похоже на частное объявление: «{words[0].text}»")
    elif "требоваться" in lemma_set and (
        (jobs := lemma_set & lexicon.JOB_LEMMAS) - lexicon.JOB_WEAK_LEMMAS or len(jobs) >= 2
    ):
        z -= 2.5
        not_a_request = True
        reasons.append(lambda: "похоже на объявление о работе: " + quoted(nt, _in_text_order(nt, jobs)))
    ads = lemma_set & lexicon.AD_LEMMAS
    if ads and (nt.n_urls or len(ads) >= 2):
        z -= 2.0
        not_a_request = True
        reasons.append(lambda: "похоже на рекламу: " + quoted(nt, _in_text_order(nt, ads)))
    elif nt.n_urls and n < 8:
        z -= 0.8
        not_a_request = True
        reasons.append("только ссылка, почти без текста")

    score = round(1.0 / (1.0 + math.exp(-z)), 3)
    relevant = score >= threshold
    return Relevance(score, relevant, reasons, routable=relevant or not not_a_request)
