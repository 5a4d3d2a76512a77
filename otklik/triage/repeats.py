"""Repeats (§19): the same author with a similar message, the same place with a nearly
identical one, or a comment in a handled thread."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(slots=True)
class PriorMessage:
    case_id: int
    author_id: str | None
    thread_key: str | None  # the post a comment belongs to (or the post itself)
    at: datetime
    lemmas: frozenset[str]
    handled: bool = True  # the case was routed/answered
    places: frozenset[str] = frozenset()  # address keys («ленин 12») and gazetteer areas


@dataclass(slots=True)
class RepeatCandidate:
    case_id: int
    similarity: float
    reason: str

    def as_dict(self) -> dict:
        return {"case": self.case_id, "similarity": self.similarity, "reason": self.reason}


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap coefficient of two lemma sets (robust to a short follow-up message)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of words two messages have in common (1.0: the same words)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


NEAR_IDENTICAL = 0.8


def find_repeats(
    *,
    author_id: str | None,
    thread_key: str | None,
    at: datetime,
    lemmas: Iterable[str],
    prior: Iterable[PriorMessage],
    window: timedelta = timedelta(days=30),
    min_similarity: float = 0.5,
    limit: int = 3,
    places: Iterable[str] = (),
) -> list[RepeatCandidate]:
    """Candidates for "repeat of #N", best first.

    The same author: a similar text (overlap of words >= ``min_similarity``), «the same
    text» when the words are nearly all shared.  The same place (an address or an area
    in ``places``) from anyone: only a nearly identical text (a copied complaint).
    """
    mine = frozenset(w for w in lemmas if len(w) > 2)
    my_places = frozenset(places)
    out: dict[int, RepeatCandidate] = {}
    for p in prior:
        if p.at > at or at - p.at > window:
            continue
        if thread_key and p.thread_key == thread_key and p.handled:
            out[p.case_id] = RepeatCandidate(p.case_id, 1.0, "новый комментарий в ветке уже обработанного сообщения")
            continue
        theirs = frozenset(w for w in p.lemmas if len(w) > 2)
        same_words = jaccard(mine, theirs) >= NEAR_IDENTICAL
        if author_id and p.author_id == author_id:
            sim = round(similarity(mine, p.lemmas), 3)
            reason = "тот же автор, тот же текст" if same_words else "тот же автор, похожий текст"
            if sim >= min_similarity and (p.case_id not in out or out[p.case_id].similarity < sim):
                out[p.case_id] = RepeatCandidate(p.case_id, sim, reason)
        elif my_places & p.places and same_words:
            sim = round(jaccard(mine, theirs), 3)
            if p.case_id not in out or out[p.case_id].similarity < sim:
                where = ", ".join(sorted(my_places & p.places)[:2])
                out[p.case_id] = RepeatCandidate(p.case_id, sim, f"то же место ({where}), почти тот же текст")
    return sorted(out.values(), key=lambda c: (-c.similarity, -c.case_id))[:limit]
