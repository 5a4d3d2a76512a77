"""SLA read-side: what is overdue or near its deadline now, and the violations of a period.

Everything is read from Deadline rows (DESIGN.md "Deadlines are stored, not recomputed").
Cancelled and lapsed rows are never violations; an open return window is never overdue
(the sweep lapses it when its time passes, see ``otklik.cases.sweep``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone

from otklik.cases.models import Case, Deadline, DeadlineQuerySet
from otklik.directory.models import Municipality, Organization
from otklik.regulation.services import now_clocks


def _base(qs: QuerySet[Deadline] | None) -> DeadlineQuerySet:
    return cast(DeadlineQuerySet, qs if qs is not None else Deadline.objects.all()).counted()


def overdue_now(now: dt.datetime | None = None, qs: QuerySet[Deadline] | None = None) -> QuerySet[Deadline]:
    """Open deadlines whose due time has passed (breached or about to be marked so)."""
    return _base(qs).overdue(now or timezone.now())


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


def violations(
    municipality: Municipality, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None
) -> list[Violation]:
    """Deadlines of ``municipality`` that fell due in ``[start, end)`` and were met late or are
    still open past due (as of ``now``), in due order."""

    now = now or timezone.now()
    qs = (
        Deadline.objects.filter(municipality=municipality, due_at__gte=start, due_at__lt=min(end, now))
        .violations(now)
        .with_clock_minutes(now_clocks([municipality], now))
        .select_related("case", "organization", "user")
        .order_by("due_at", "id")
    )
    out = []
    for d in qs:
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
                late_by=dt.timedelta(minutes=d.late_minutes),  # type: ignore[attr-defined]  # with_clock_minutes
            )
        )
    return out
