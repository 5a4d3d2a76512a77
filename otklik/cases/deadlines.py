"""Opening and closing the regulation's timers (DESIGN.md "Stages").

Only actions call these, inside their transaction, with the case already locked. A
deadline's limit, unit, point and warning time come from the municipality's active
regulation profile through ``otklik.regulation.services.compute_deadline``; a profile
change never rewrites a deadline already running, because the applied figures are
copied onto the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Min, OuterRef, QuerySet, Subquery

from otklik.cases.models import Assignment, Case, CaseOrganization, Deadline
from otklik.regulation.services import compute_deadline
from otklik.regulation.stages import Stage

# A return window that passes without a return is not a violation: it lapses.
NEVER_BREACHED = frozenset({Stage.RETURN_WINDOW})


def _compute(case: Case, stage: str, started_at: dt.datetime) -> Any:
    return compute_deadline(case.municipality, Stage(stage), started_at)


def open_deadline(
    case: Case,
    stage: str,
    *,
    started_at: dt.datetime,
    assignment: Assignment | None = None,
    organization_id: int | None = None,
    user_id: int | None = None,
) -> Deadline:
    """Start the clock of ``stage`` for ``case`` at ``started_at`` (per the active profile)."""
    spec = _compute(case, stage, started_at)
    limit_unit = spec.limit_unit
    return Deadline.objects.create(
        case=case,
        assignment=assignment,
        stage=stage,
        point=str(spec.point),
        organization_id=organization_id
        if organization_id is not None
        else getattr(assignment, "organization_id", None),
        user_id=user_id,
        limit_value=int(spec.limit_value),
        limit_unit=str(getattr(limit_unit, "value", limit_unit)),
        started_at=spec.started_at,
        due_at=spec.due_at,
        warn_at=spec.warn_at,
    )


def open_deadlines(
    case: Case,
    stages: Iterable[str] | None = None,
    *,
    assignment: Assignment | None = None,
) -> list[Deadline]:
    qs = Deadline.objects.filter(case=case, closed_at__isnull=True)
    if stages is not None:
        qs = qs.filter(stage__in=list(stages))
    if assignment is not None:
        qs = qs.filter(assignment=assignment)
    return list(qs.select_for_update().order_by("id"))


def close_deadlines(
    case: Case,
    stages: Iterable[str] | None,
    *,
    outcome: str,
    at: dt.datetime,
    by: Any = None,
    assignment: Assignment | None = None,
) -> list[Deadline]:
    """Close the open deadlines of ``stages`` (all stages if None) with ``outcome``.

    Return windows are never closed as ``met`` here by accident: closing "everything"
    with ``met`` or ``cancelled`` treats an open return window as ``lapsed`` when its
    time has passed, and as ``cancelled`` otherwise (DESIGN.md: only a return meets it).
    """
    closed = []
    for deadline in open_deadlines(case, stages, assignment=assignment):
        deadline_outcome = outcome
        if deadline.stage == Stage.RETURN_WINDOW and outcome == Deadline.Outcome.MET:
            deadline_outcome = Deadline.Outcome.LAPSED
        deadline.closed_at = at
        deadline.closed_by = by if getattr(by, "pk", None) else None
        deadline.outcome = deadline_outcome
        deadline.save(update_fields=["closed_at", "closed_by", "outcome"])
        closed.append(deadline)
    return closed


def record_return(assignment: Assignment, *, at: dt.datetime, by: Any = None) -> Deadline | None:
    """§10: a return meets the assignment's return window — even one that already lapsed.

    A return after the window is kept as ``met`` with ``closed_at`` past ``due_at``: a
    violation, as DESIGN.md asks.
    """
    deadline = (
        Deadline.objects.select_for_update()
        .filter(assignment=assignment, stage=Stage.RETURN_WINDOW)
        .exclude(outcome=Deadline.Outcome.CANCELLED)
        .order_by("-id")
        .first()
    )
    if deadline is None:
        return None
    deadline.closed_at = at
    deadline.closed_by = by if getattr(by, "pk", None) else None
    deadline.outcome = Deadline.Outcome.MET
    deadline.save(update_fields=["closed_at", "closed_by", "outcome"])
    return deadline


def open_tasks() -> QuerySet[Deadline]:
    """Open deadlines that ask for work. The nearest of them is a case's nearest deadline
    (``Case.next_due_at``): the inbox's and the API's order, «Просроченные», the badge.
    A §10 return window is an option, not a task (its lapse is no violation), so it does not
    count: a case is overdue only when a real step is late."""
    return Deadline.objects.filter(closed_at__isnull=True).exclude(stage=Stage.RETURN_WINDOW)


def refresh_next_due(case_ids: Iterable[int]) -> None:
    """Recompute ``Case.next_due_at`` for cases whose clocks changed outside an action."""
    nearest = open_tasks().filter(case=OuterRef("pk")).order_by().values("case").annotate(m=Min("due_at")).values("m")
    ids = list(case_ids)
    Case.objects.filter(pk__in=ids).update(next_due_at=Subquery(nearest))
    # The organizations' copy (CaseOrganization), for executors' lists in deadline order.
    CaseOrganization.objects.filter(case_id__in=ids).update(
        next_due_at=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("next_due_at")[:1])
    )


def next_due(case: Case) -> dt.datetime | None:
    """The case's nearest deadline (see :func:`open_tasks`)."""
    return open_tasks().filter(case=case).aggregate(m=Min("due_at"))["m"]
