"""§17–18: co-executors' parts (re-exported by ``otklik.cases.actions``).

Each co-executor sends its part; the specialist approves it (forwarding it to the lead) or
returns it with remarks. When no part is outstanding — all approved, returned under §10, or
skipped by the specialist — the lead's §11 draft clock starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from otklik.cases import deadlines as dl
from otklik.cases._common import (
    administration_id,
    attachments_list,
    emit,
    finish,
    lock_assignment,
    lock_case,
    now,
    record,
    refuse_unless,
    require,
    required_text,
    seen_version,
    stale_or,
    start_lead_draft_if_ready,
)
from otklik.cases.access import OUTSTANDING_CO
from otklik.cases.models import Assignment, Case, Deadline
from otklik.cases.workflow import Status
from otklik.regulation.stages import Stage

CANCELLED = Deadline.Outcome.CANCELLED
MET = Deadline.Outcome.MET
AS = Assignment.AssignmentStatus


def do_submit_coexecutor_info(
    assignment: Assignment,
    *,
    text: str,
    attachments: Iterable[Any] = (),
    acting_user: Any,
    expected_version: int | None = None,
) -> Case:
    """§18: the co-executor sends its part (first time, or after remarks) for the specialist's approval."""
    text = required_text(text, "информацию соисполнителя")
    files = attachments_list(attachments)
    t = now()
    with transaction.atomic():
        case = lock_case(assignment.case_id, expected_version=expected_version)
        fresh = lock_assignment(assignment)
        require(acting_user, case, "submit_info", assignment=fresh)
        can_submit = (AS.ASSIGNED, AS.INFO_RETURNED)
        refuse_unless(
            fresh.is_active
            and fresh.role == Assignment.Role.CO
            and fresh.status in can_submit
            and case.status == Status.ASSIGNED,
            looked_possible=assignment.is_active and assignment.status in can_submit,
            message="Информацию направляет соисполнитель по назначению в работе (п. 18).",
        )
        stage = Stage.COEXEC_INFO if fresh.status == AS.ASSIGNED else Stage.COEXEC_REVISE
        dl.close_deadlines(case, [stage], outcome=MET, at=t, by=acting_user, assignment=fresh)
        # Sending the part accepts the assignment: the return window is over.
        dl.close_deadlines(case, [Stage.RETURN_WINDOW], outcome=MET, at=t, by=acting_user, assignment=fresh)
        review = dl.open_deadline(
            case, Stage.COEXEC_REVIEW, started_at=t, assignment=fresh, organization_id=administration_id(case)
        )
        fresh.status = AS.INFO_SUBMITTED
        fresh.info_text = text
        fresh.info_attachments = files
        fresh.info_submitted_at = t
        fresh.save(update_fields=["status", "info_text", "info_attachments", "info_submitted_at"])
        record(
            case,
            "coexec_info_submitted",
            acting_user,
            before=case.status,
            at=t,
            assignment_id=fresh.pk,
            organization_id=fresh.organization_id,
            text=text,
            attachments=files,
        )
        finish(case, [])
        emit("coexec_info_submitted", case, acting_user, assignment_id=fresh.pk, deadline_id=review.pk)
    return case


def _review_info(assignment: Assignment, acting_user: Any, expected_version: int | None, action: str) -> tuple:
    case = lock_case(assignment.case_id, expected_version=expected_version)
    fresh = lock_assignment(assignment)
    require(acting_user, case, action)
    refuse_unless(
        fresh.is_active and fresh.status == AS.INFO_SUBMITTED and case.status == Status.ASSIGNED,
        looked_possible=assignment.is_active and assignment.status == AS.INFO_SUBMITTED,
        message="Нет направленной соисполнителем информации для рассмотрения.",
    )
    return case, fresh


def do_approve_coexecutor_info(
    assignment: Assignment, *, acting_user: Any, expected_version: int | None = None
) -> Case:
    """§18: the specialist approves the part and forwards it to the lead; the last one starts the lead's clock."""
    t = now()
    with transaction.atomic():
        case, fresh = _review_info(assignment, acting_user, expected_version, "approve_info")
        dl.close_deadlines(case, [Stage.COEXEC_REVIEW], outcome=MET, at=t, by=acting_user, assignment=fresh)
        fresh.status = AS.INFO_APPROVED
        fresh.info_reviewed_at = t
        fresh.forwarded_at = t
        fresh.save(update_fields=["status", "info_reviewed_at", "forwarded_at"])
        draft_clock = start_lead_draft_if_ready(case, t)
        record(
            case,
            "coexec_info_approved",
            acting_user,
            before=case.status,
            at=t,
            assignment_id=fresh.pk,
            lead_draft_started=draft_clock is not None,
        )
        finish(case, [])
        emit("coexec_info_approved", case, acting_user, assignment_id=fresh.pk)
    return case


def do_return_coexecutor_info(
    assignment: Assignment, *, remarks: str, acting_user: Any, expected_version: int | None = None
) -> Case:
    """§18 (as §13–14): the part goes back to the co-executor with remarks; ``coexec_revise`` starts."""
    remarks = required_text(remarks, "замечания")
    t = now()
    with transaction.atomic():
        case, fresh = _review_info(assignment, acting_user, expected_version, "return_info")
        dl.close_deadlines(case, [Stage.COEXEC_REVIEW], outcome=MET, at=t, by=acting_user, assignment=fresh)
        revise = dl.open_deadline(case, Stage.COEXEC_REVISE, started_at=t, assignment=fresh)
        fresh.status = AS.INFO_RETURNED
        fresh.info_remarks = remarks
        fresh.info_reviewed_at = t
        fresh.save(update_fields=["status", "info_remarks", "info_reviewed_at"])
        record(
            case, "coexec_info_returned", acting_user, before=case.status, at=t, assignment_id=fresh.pk, remarks=remarks
        )
        finish(case, [])
        emit("coexec_info_returned", case, acting_user, assignment_id=fresh.pk, deadline_id=revise.pk)
    return case


def do_proceed_without_coexecutors(
    case: Case, *, reason: str, acting_user: Any, expected_version: int | None = None
) -> Case:
    """§18: the specialist decides to go on without the parts still outstanding; the lead's clock starts."""
    reason = required_text(reason, "причину, по которой работа продолжается без соисполнителей")
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "proceed_without_co")
        outstanding = list(
            Assignment.objects.select_for_update().filter(
                case=case, is_active=True, role=Assignment.Role.CO, status__in=OUTSTANDING_CO
            )
        )
        stale_or(
            case.status == Status.ASSIGNED and bool(outstanding),
            seen=seen,
            locked=case,
            message="Нет соисполнителей, информацию которых ещё ожидают.",
        )
        for a in outstanding:
            dl.close_deadlines(case, None, outcome=CANCELLED, at=t, by=acting_user, assignment=a)
            a.status = AS.CANCELLED
            a.is_active = False
            a.save(update_fields=["status", "is_active"])
        draft_clock = start_lead_draft_if_ready(case, t)
        record(
            case,
            "coexec_skipped",
            acting_user,
            before=case.status,
            at=t,
            assignment_ids=[a.pk for a in outstanding],
            reason=reason,
            lead_draft_started=draft_clock is not None,
        )
        finish(case, [])
        emit("coexec_skipped", case, acting_user, assignment_ids=[a.pk for a in outstanding])
    return case
