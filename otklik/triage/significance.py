"""Significance (§24): emergencies, bursts from one area, high engagement — pure Python."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import lexicon

_WINDOW = 6  # lemmas between the parts of one pattern ("отключили горячую воду")


def _compile() -> tuple[list[tuple[str, list[list[frozenset[str]]]]], frozenset[str]]:
    compiled = []
    vocab: set[str] = set()
    for reason, patterns in lexicon.EMERGENCY_PATTERNS:
        groups = []
        for pattern in patterns:
            alts = [frozenset(part.split("|")) for part in pattern]
            for a in alts:
                vocab |= a
            groups.append(alts)
        compiled.append((reason, groups))
    return compiled, frozenset(vocab)


_PATTERNS, _VOCAB = _compile()
# lemma -> indexes of the reasons whose patterns mention it
_BY_LEMMA: dict[str, set[int]] = {}
for _i, (_reason, _groups) in enumerate(_PATTERNS):
    for _alts in _groups:
        for _alt in _alts:
            for _w in _alt:
                _BY_LEMMA.setdefault(_w, set()).add(_i)


@dataclass(slots=True)
class Significance:
    significant: bool
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def emergency_reasons(lemmas: Sequence[str]) -> tuple[list[str], list[str]]:
    """Emergency reasons found in a lemma sequence, with the words that matched."""
    positions: dict[str, list[int]] = {}
    for i, lemma in enumerate(lemmas):
        if lemma in _VOCAB:
            positions.setdefault(lemma, []).append(i)
    if not positions:
        return [], []
    reasons: list[str] = []
    evidence: list[str] = []
    present = positions.keys()
    candidates: set[int] = set()
    for lemma in present:
        candidates |= _BY_LEMMA[lemma]
    for number in sorted(candidates):
        reason, groups = _PATTERNS[number]
        for alts in groups:
            if any(present.isdisjoint(alt) for alt in alts):
                continue
            hits = [[(p, w) for w in alt if w in positions for p in positions[w]] for alt in alts]
            if not all(hits):
                continue
            if len(hits) == 1:
                reasons.append(reason)
                evidence.append(hits[0][0][1])
                break
            anchor = hits[0]
            found = None
            for p0, w0 in anchor:
                others = []
                for h in hits[1:]:
                    near = [(p, w) for p, w in h if abs(p - p0) <= _WINDOW]
                    if not near:
                        break
                    others.append(near[0][1])
                else:
                    found = " ".join([w0, *others])
                    break
            if found:
                reasons.append(reason)
                evidence.append(found)
                break
    return reasons, evidence


@dataclass(slots=True)
class RecentMessage:
    """A message already seen, for burst detection."""

    at: datetime
    area: str | None
    topic: str | None
    lemmas: frozenset[str]


def burst_size(
    at: datetime,
    area: str | None,
    topic: str | None,
    lemmas: Iterable[str],
    recent: Iterable[RecentMessage],
    *,
    window: timedelta = timedelta(hours=2),
    min_similarity: float = 0.25,
) -> int:
    """How many recent messages (within ``window`` before ``at``) from the same area are
    about the same thing: the same topic, or a lemma overlap (Jaccard) of at least
    ``min_similarity``.  The message itself is not counted."""
    if not area:
        return 0
    mine = frozenset(lemmas)
    count = 0
    for r in recent:
        if r.area != area or not (at - window <= r.at <= at):
            continue
        if topic and r.topic == topic:
            count += 1
            continue
        union = len(mine | r.lemmas)
        if union and len(mine & r.lemmas) / union >= min_similarity:
            count += 1
    return count


def assess(
    lemmas: Sequence[str],
    *,
    burst: int = 0,
    burst_threshold: int = 5,
    area: str | None = None,
    engagement: dict[str, int] | None = None,
    engagement_threshold: int = 100,
) -> Significance:
    """Combine emergency keywords, a burst count and engagement into one verdict."""
    reasons, evidence = emergency_reasons(lemmas)
    if burst + 1 >= burst_threshold:
        where = f" ({area})" if area else ""
        reasons.append(f"всплеск: {burst + 1} похожих сообщений{where}")
    if engagement:
        weight = (
            engagement.get("likes", 0)
            + 3 * engagement.get("comments", 0)
            + 5 * engagement.get("reposts", 0)
            + engagement.get("views", 0) // 100
        )
        if weight >= engagement_threshold:
            reasons.append(f"высокий отклик аудитории ({weight})")
    return Significance(bool(reasons), reasons, evidence)
