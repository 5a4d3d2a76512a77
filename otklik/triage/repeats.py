"""Repeats (§19): the same author with a similar message, or a comment in a handled thread."""

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
) -> list[RepeatCandidate]:
    """Candidates for "repeat of #N", best first."""
    mine = frozenset(w for w in lemmas if len(w) > 2)
    out: dict[int, RepeatCandidate] = {}
    for p in prior:
        if p.at > at or at - p.at > window:
            continue
        if thread_key and p.thread_key == thread_key and p.handled:
            out[p.case_id] = RepeatCandidate(p.case_id, 1.0, "новый комментарий в ветке уже обработанного сообщения")
            continue
        if author_id and p.author_id == author_id:
            sim = round(similarity(mine, p.lemmas), 3)
            if sim >= min_similarity and (p.case_id not in out or out[p.case_id].similarity < sim):
                out[p.case_id] = RepeatCandidate(p.case_id, sim, "тот же автор, похожий текст")
    return sorted(out.values(), key=lambda c: (-c.similarity, -c.case_id))[:limit]
