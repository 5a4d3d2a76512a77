"""SLA read-side: what is overdue or near its deadline now, and the violations of a period.

Everything is read from Deadline rows (DESIGN.md "Deadlines are stored, not recomputed").
Cancelled and lapsed rows are never violations; an open return window is never overdue
(the sweep lapses it when its time passes, see ``otklik.cases.sweep``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from otklik.cases.deadlines import NEVER_BREACHED
from otklik.cases.models import Case, Deadline
from otklik.directory.models import Municipality, Organization
from otklik.regulation.services import calendar_for


def _base(qs: QuerySet[Deadline] | None) -> QuerySet[Deadline]:
    return (qs if qs is not None else Deadline.objects.all()).exclude(stage__in=NEVER_BREACHED)


def overdue_now(now: dt.datetime | None = None, qs: QuerySet[Deadline] | None = None) -> QuerySet[Deadline]:
    """Open deadlines whose due time has passed (breached or about to be marked so)."""
    now = now or timezone.now()
    return _base(qs).filter(closed_at__isnull=True, due_at__lte=now)


def warning_now(now: dt.datetime | None = None, qs: QuerySet[Deadline] | None = None) -> QuerySet[Deadline]:
    """Open deadlines past their warning threshold but not yet due (warned or not:
    filter ``warned_at__isnull=True`` for the ones still to warn about)."""
    now = now or timezone.now()
    return _base(qs).filter(closed_at__isnull=True, warn_at__lte=now, due_at__gt=now)


@dataclass(frozen=True)
class Violation:
    deadline: Deadline
    case: Case
    stage: str
    point: str
    organization: Organization | None
    user: Any
    due_at: dt.datetime
    closed_at: dt.datetime | None  # None: still open
    late_by: dt.timedelta  # working time (calendar time for calendar-minute limits)


def _calendar(municipality: Municipality) -> Any:
    return calendar_for(municipality)


def violations(
    municipality: Municipality, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None
) -> list[Violation]:
    """Deadlines of ``municipality`` that fell due in ``[start, end)`` and were met late or are
    still open past due (as of ``now``), in due order."""
    now = now or timezone.now()
    met_late = Q(outcome=Deadline.Outcome.MET, closed_at__gt=F("due_at"))
    # An open return window is not a violation (it lapses); a return after it is one (met late).
    open_past_due = Q(closed_at__isnull=True) & ~Q(stage__in=NEVER_BREACHED)
    qs = (
        Deadline.objects.filter(case__municipality=municipality, due_at__gte=start, due_at__lt=min(end, now))
        .filter(met_late | open_past_due)
        .select_related("case", "organization", "user")
        .order_by("due_at", "id")
    )
    rows = list(qs)
    calendar: Any = _calendar(municipality) if rows else None
    out = []
    for d in rows:
        finished = d.closed_at or now
        if d.limit_unit == "calendar_minutes":
            late = finished - d.due_at
        else:
            late = calendar.between(d.due_at, finished)
        out.append(
            Violation(
                deadline=d,
                case=d.case,
                stage=d.stage,
                point=d.point,
                organization=d.organization,
                user=d.user,
                due_at=d.due_at,
                closed_at=d.closed_at,
                late_by=late,
            )
        )
    return out
