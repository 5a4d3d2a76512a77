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
from otklik.directory.people import organization_responsible
from otklik.regulation.services import calendar_for, clock_reading, compute_deadline
from otklik.regulation.stages import Stage

# Stages whose clock runs for the administration's specialists rather than an executor.
SPECIALIST_STAGES = frozenset({Stage.ROUTE, Stage.REVIEW, Stage.COEXEC_REVIEW})

# A return window that passes without a return is not a violation: it lapses.
NEVER_BREACHED = frozenset({Stage.RETURN_WINDOW})


def _compute(case: Case, stage: str, started_at: dt.datetime) -> Any:
    return compute_deadline(case.municipality, Stage(stage), started_at)


def _row(case: Case, spec: Any, **fields: Any) -> Deadline:
    limit_unit = spec.limit_unit
    return Deadline(
        case=case,
        municipality_id=case.municipality_id,
        stage=spec.stage,
        point=str(spec.point),
        limit_value=int(spec.limit_value),
        limit_unit=str(getattr(limit_unit, "value", limit_unit)),
        started_at=spec.started_at,
        due_at=spec.due_at,
        warn_at=spec.warn_at,
        start_clock=spec.start_clock,
        due_clock=spec.due_clock,
        **fields,
    )


def open_deadline(
    case: Case,
    stage: str,
    *,
    started_at: dt.datetime,
    assignment: Assignment | None = None,
    organization_id: int | None = None,
    user_id: int | None = None,
) -> Deadline:
    """Start the clock of ``stage`` for ``case`` at ``started_at`` (per the active profile).

    The official who holds an executor's stage (``user``) is, unless given, the person the
    part is assigned to, else the organization's responsible (§7, issue 18 §3); the §23
    report names them. A specialist's stage gets its official when one closes it.
    """
    spec = _compute(case, stage, started_at)
    if user_id is None and assignment is not None and stage not in SPECIALIST_STAGES:
        user_id = holder_id(assignment)
    deadline = _row(
        case,
        spec,
        assignment=assignment,
        organization_id=organization_id
        if organization_id is not None
        else getattr(assignment, "organization_id", None),
        user_id=user_id,
    )
    deadline.save(force_insert=True)
    return deadline


def holder_id(assignment: Assignment) -> int | None:
    if assignment.assignee_id is not None:
        return assignment.assignee_id

    responsible = organization_responsible(assignment.organization_id)
    return responsible.pk if responsible else None


def reassign_open(assignment: Assignment, user_id: int | None) -> int:
    """The part changed hands: its executor's clocks still running now belong to ``user_id``."""
    return (
        Deadline.objects.filter(assignment=assignment, closed_at__isnull=True)
        .exclude(stage__in=SPECIALIST_STAGES)
        .update(user_id=user_id)
    )


def open_deadlines(
    cases: list[Case], stage: str, *, started_at: dt.datetime, organization_id: int | None = None
) -> list[Deadline]:
    """Start the clock of ``stage`` for each of ``cases`` (one municipality) at the same moment:
    one computation and one insert for the whole batch (intake)."""
    if not cases:
        return []
    spec = _compute(cases[0], stage, started_at)
    return Deadline.objects.bulk_create(_row(case, spec, organization_id=organization_id) for case in cases)


def running_deadlines(
    case: Case,
    stages: Iterable[str] | None = None,
    *,
    assignment: Assignment | None = None,
) -> list[Deadline]:
    """The open deadlines of ``case`` (of ``stages``), locked."""
    qs = Deadline.objects.filter(case=case, closed_at__isnull=True)
    if stages is not None:
        qs = qs.filter(stage__in=list(stages))
    if assignment is not None:
        qs = qs.filter(assignment=assignment)
    return list(qs.select_for_update().order_by("id"))


def _met(deadlines: list[Deadline], case: Case, at: dt.datetime, by: Any) -> None:
    """Close ``deadlines`` as met at ``at`` with the clock reading of that moment (one calendar)."""

    calendar = calendar_for(case.municipality)
    for deadline in deadlines:
        deadline.closed_at = at
        deadline.closed_by = by if getattr(by, "pk", None) else None
        deadline.outcome = Deadline.Outcome.MET
        deadline.close_clock = clock_reading(calendar, deadline.limit_unit, at)
        deadline.save(update_fields=["closed_at", "closed_by", "outcome", "close_clock", *_name_holder(deadline)])


def _name_holder(deadline: Deadline) -> list[str]:
    """A specialist's stage is held by the specialist who closed it (routed or reviewed): the §23 report names them."""
    if deadline.user_id is None and deadline.stage in SPECIALIST_STAGES and deadline.closed_by is not None:
        deadline.user = deadline.closed_by
        return ["user"]
    return []


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
    closed = running_deadlines(case, stages, assignment=assignment)
    met = []
    for deadline in closed:
        deadline_outcome = outcome
        if deadline.stage == Stage.RETURN_WINDOW and outcome == Deadline.Outcome.MET:
            deadline_outcome = Deadline.Outcome.LAPSED
        if deadline_outcome == Deadline.Outcome.MET:
            met.append(deadline)
            continue
        deadline.closed_at = at
        deadline.closed_by = by if getattr(by, "pk", None) else None
        deadline.outcome = deadline_outcome
        deadline.save(update_fields=["closed_at", "closed_by", "outcome", *_name_holder(deadline)])
    if met:
        _met(met, case, at, by)
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
    _met([deadline], assignment.case, at, by)
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


# Kept short: they sit in a narrow column of the §23 PDF.
NOBODY_SPECIALIST = "— (решения не было)"  # a specialist's stage nobody closed
NOBODY_EXECUTOR = "— (никто не назначен)"  # no person assigned and the organization has no responsible


def official_label(deadline: Deadline) -> str:
    """§23: the official who held the stage — the person it was assigned to (else the organization's
    responsible, as set when it opened), the specialist who closed a specialist's stage, or whoever
    closed it; «—» with the reason when nobody can be named."""
    user = deadline.user or deadline.closed_by
    if user is not None:
        return user.get_full_name() or user.username
    return NOBODY_SPECIALIST if deadline.stage in SPECIALIST_STAGES else NOBODY_EXECUTOR
