"""The regulation's case states and the transitions between them, as data.

DESIGN.md "Case states and transitions" is the contract; ``check_transition`` is the
one place that decides whether a move is allowed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.cases.errors import InvalidTransition


class Status(models.TextChoices):
    FEED = "feed", _("В ленте")
    NEW = "new", _("Новое")
    ASSIGNED = "assigned", _("Направлено исполнителю")
    REVIEW = "review", _("На согласовании")
    REVISION = "revision", _("На доработке")
    APPROVED = "approved", _("Согласовано")
    INTERMEDIATE = "intermediate", _("Промежуточный ответ")
    ANSWERED = "answered", _("Ответ размещён")
    DISMISSED = "dismissed", _("Не требует реакции")
    EXCLUDED = "excluded", _("Исключено (п. 22)")


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.FEED: frozenset({Status.NEW, Status.DISMISSED, Status.EXCLUDED}),
    # §19: a repeat may take the answer already approved for its earlier case (one approval).
    Status.NEW: frozenset({Status.ASSIGNED, Status.DISMISSED, Status.EXCLUDED, Status.APPROVED}),
    Status.ASSIGNED: frozenset({Status.REVIEW, Status.NEW, Status.EXCLUDED, Status.APPROVED}),
    # §22: a message may be excluded at any stage before the final answer is published.
    Status.REVIEW: frozenset({Status.APPROVED, Status.REVISION, Status.EXCLUDED}),
    Status.REVISION: frozenset({Status.REVIEW, Status.EXCLUDED, Status.APPROVED}),
    Status.APPROVED: frozenset({Status.ANSWERED, Status.INTERMEDIATE, Status.EXCLUDED}),
    Status.INTERMEDIATE: frozenset({Status.REVIEW, Status.EXCLUDED}),
    # §3: the regional centre finds a published answer unsatisfactory: a corrected one is prepared.
    Status.ANSWERED: frozenset({Status.REVISION}),
    Status.DISMISSED: frozenset(),
    Status.EXCLUDED: frozenset(),
}

CLOSED_STATUSES = frozenset({Status.ANSWERED, Status.DISMISSED, Status.EXCLUDED})


def can_transition(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition unless the table allows ``current`` → ``target``."""
    if not can_transition(current, target):
        raise InvalidTransition(
            f"Действие недоступно: обращение в статусе «{Status(current).label}», "
            f"переход в «{Status(target).label}» не предусмотрен регламентом."
        )
