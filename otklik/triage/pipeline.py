"""The whole triage of one message (pure): normalise once, then every classifier.

``Triager`` holds a municipality's configuration (topic keywords or model, routing
model or competence keywords, gazetteer, thresholds); ``Triager.run`` returns a
``TriageOutput`` whose ``as_json`` is the line ``triage_run`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .abuse import AbuseResult, detect_abuse
from .locations import Gazetteer, extract_addresses
from .relevance import DEFAULT_THRESHOLD, Relevance, score_relevance
from .routing import KeywordRouter, LinearModel, Suggestion, build_features
from .significance import Significance, assess
from .text import NormalizedText, as_written, normalize
from .topics import TopicGuess, TopicMatcher, default_matcher


@dataclass(slots=True)
class TriageOutput:
    normalized: NormalizedText
    relevance: Relevance
    topic: TopicGuess
    abuse: AbuseResult | None
    significance: Significance
    suggestions: list[Suggestion] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    model_version: str = ""

    def as_json(self) -> dict:
        return {
            "relevant": self.relevance.relevant,
            "relevance": self.relevance.score,
            "topic": self.topic.topic,
            "abuse": self.abuse.as_dict() if self.abuse else None,
            "significant": self.significance.significant,
            "significance_reasons": list(self.significance.reasons),
            "suggestions": [{"organization": s.label, "confidence": s.confidence} for s in self.suggestions],
        }


@dataclass
class Triager:
    topic_matcher: TopicMatcher | None = None
    topic_model: LinearModel | None = None
    router: LinearModel | None = None
    keyword_router: KeywordRouter | None = None
    gazetteer: Gazetteer | None = None
    territories: dict[str, str] = field(default_factory=dict)  # area -> territorial department's label
    relevance_threshold: float = DEFAULT_THRESHOLD
    abuse_allow: frozenset[str] = frozenset()
    model_version: str = "rules-1"

    def run(
        self,
        text: str | None,
        *,
        location: str | None = None,
        account: str | None = None,
        burst: int = 0,
        burst_threshold: int = 5,
        engagement: dict[str, int] | None = None,
        engagement_threshold: int = 100,
        with_addresses: bool = False,
    ) -> TriageOutput:
        nt = normalize(text)
        lemmas = nt.lemmas
        matcher = self.topic_matcher or default_matcher()
        topic = matcher.match(lemmas)
        keyword_hits = topic.reasons if topic.topic else []
        if self.topic_model is not None and lemmas:
            best = self.topic_model.predict(build_features(lemmas), k=1, explain=3)[0]
            topic = TopicGuess(best.label, best.confidence, best.reasons)
        relevance = score_relevance(
            nt,
            topic_hits=len(topic.reasons) if topic.topic else 0,
            threshold=self.relevance_threshold,
            topic=topic.topic if keyword_hits else None,
            topic_words=keyword_hits,
        )
        topic.reasons = readable_reasons(nt, topic.reasons)
        abuse = detect_abuse(nt, self.abuse_allow)
        areas = self.gazetteer.areas(lemmas) if self.gazetteer else []
        if location and location not in areas:
            areas = [location, *areas]
        significance = assess(
            lemmas,
            burst=burst,
            burst_threshold=burst_threshold,
            area=areas[0] if areas else None,
            engagement=engagement,
            engagement_threshold=engagement_threshold,
        )
        # Relevance gates routing: advertising, offers and chatter get no executor suggestions.
        suggestions = (
            [_readable(nt, s) for s in self.suggest(lemmas, topic.topic, areas, account, nt.clean)]
            if relevance.routable
            else []
        )
        return TriageOutput(
            normalized=nt,
            relevance=relevance,
            topic=topic,
            abuse=abuse,
            significance=significance,
            suggestions=suggestions,
            areas=areas,
            addresses=extract_addresses(nt) if with_addresses else [],
            model_version=self.model_version,
        )

    def suggest(
        self,
        lemmas: Sequence[str],
        topic: str | None,
        areas: Sequence[str],
        account: str | None,
        text: str | None = None,
    ) -> list[Suggestion]:
        """Up to three executors: the routing model, else the competence keywords; then territory."""
        found: list[Suggestion] = []
        if lemmas and self.router is not None:
            extras = [f"@acc:{account}"] if account else []
            if topic:
                extras.append(f"@topic:{topic}")
            found = self.router.predict(build_features(lemmas, areas, extras), k=3, text=text)
        elif lemmas and self.keyword_router is not None:
            found = self.keyword_router.predict(lemmas, topic, k=3)
        return self._by_territory(found, areas) if self.territories and areas else found

    def _by_territory(self, found: list[Suggestion], areas: Sequence[str]) -> list[Suggestion]:
        """The territorial department of a place the message names joins the suggestions
        (routing by territory): with the model's confidence if it has one, else as a
        third opinion, never pushing a more confident suggestion out of first place."""
        for area in areas:
            label = self.territories.get(area)
            if not label:
                continue
            reason = f"место: {area}"
            for s in found:
                if s.label == label:
                    if reason not in s.reasons:
                        s.reasons.insert(0, reason)
                    break
            else:
                found = [*found[:2], Suggestion(label, 0.5 if not found else min(0.5, found[0].confidence), [reason])]
                found.sort(key=lambda s: -s.confidence)
        return found


def readable_reason(nt: NormalizedText, reason: str) -> str | None:
    """A model's reason (lemmas, «слово + место», «тема: …») in the citizen's own words.

    Returns None for reasons a person cannot read (character n-grams)."""
    if reason.startswith("#"):
        return None
    for prefix in ("место: ", "тема: ", "аккаунт: "):
        if reason.startswith(prefix):
            return reason
    word, plus, place = reason.partition(" + ")
    shown = as_written(nt, word) or word
    if plus:
        return f"«{shown}» (место: {place})"
    return f"«{shown}»"


def readable_reasons(nt: NormalizedText, reasons: Sequence[str]) -> list[str]:
    """Readable reasons, without repeats («воды» when «горячей воды» is there)."""
    out: list[str] = []
    for r in reasons:
        shown = readable_reason(nt, r)
        if not shown or any(shown.strip("«»") in o for o in out):
            continue
        out = [o for o in out if o.strip("«»") not in shown]
        out.append(shown)
    return out


def _readable(nt: NormalizedText, s: Suggestion) -> Suggestion:
    return Suggestion(s.label, s.confidence, explain=lambda: readable_reasons(nt, s.reasons))


_default = Triager()


def triage(text: str | None, **kwargs) -> TriageOutput:  # type: ignore[no-untyped-def]
    """Triage with the default rubricator and no routing (no municipality)."""
    return _default.run(text, **kwargs)
