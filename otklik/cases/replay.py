"""Recompute a case's status from its audit trail (the property test and audits use it).

Every CaseEvent carries ``before``/``after`` (the case status around the action); the
first one (``case_created``) has ``before = None``. Replaying checks that each event
starts where the previous one ended and that every change is in the transition table.
"""

from __future__ import annotations

from otklik.cases.models import Case, CaseEvent
from otklik.cases.workflow import Status, can_transition


class ReplayError(Exception):
    """The events do not form a valid history."""


def replay_status(case: Case) -> Status:
    status: str | None = None
    for event in CaseEvent.objects.filter(case_id=case.pk).order_by("id").only("id", "kind", "data"):
        data = event.data or {}
        if "after" not in data:
            continue
        before, after = data.get("before"), data["after"]
        if status is None:
            if before is not None:
                raise ReplayError(f"event {event.pk} ({event.kind}) before the case was created")
            status = after
            continue
        if before != status:
            raise ReplayError(f"event {event.pk} ({event.kind}) starts in {before!r}, the case was in {status!r}")
        if after != status and not can_transition(status, after):
            raise ReplayError(f"event {event.pk} ({event.kind}): {status!r} → {after!r} is not in the table")
        status = after
    if status is None:
        raise ReplayError(f"case {case.pk} has no creation event")
    return Status(status)
