"""Every write to a case: one function per intent (CONVENTIONS.md "Every write is an action").

Each action runs in one transaction, locks the case (and what it changes), checks the
user's right and the transition table, records a CaseEvent, opens/closes the Deadlines
of the municipality's regulation profile, publishes its events after commit and returns
the updated Case. ``acting_user=None`` is the system (auto-detection, connectors).

Actions that pages and the API call from a form accept ``expected_version``: when it is
given and the case has moved on, they raise CaseChanged and change nothing. Without it a
concurrent loser still gets CaseChanged when the step it attempted is no longer possible.

Intake (``do_register_post(s)``, ``do_update_post``) lives in ``intake.py``, co-executors in ``coexec.py``,
publication in ``publishing.py``; all are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from otklik.cases import deadlines as dl
from otklik.cases._common import (
    CHANGED_MESSAGE,
    actor_of,
    administration_id,
    attachments_list,
    emit,
    finish,
    lock_assignment,
    lock_case,
    main_assignment,
    move,
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
from otklik.cases.coexec import (
    do_approve_coexecutor_info,
    do_proceed_without_coexecutors,
    do_return_coexecutor_info,
    do_submit_coexecutor_info,
)
from otklik.cases.errors import CaseChanged, InvalidTransition, ValidationFailed
from otklik.cases.feedback import do_mark_unsatisfactory
from otklik.cases.intake import do_register_post, do_register_posts, do_update_post
from otklik.cases.models import Assignment, Case, CaseOrganization, Deadline, Draft
from otklik.cases.people import do_assign_person
from otklik.cases.publishing import (
    choose_publication_account,
    do_confirm_publication,
    do_fail_publication,
    do_publish_answer,
)
from otklik.cases.shared_answer import do_share_answer
from otklik.cases.workflow import Status
from otklik.directory.models import Organization, Topic
from otklik.regulation.stages import AbuseCategory, Stage

__all__ = [
    "EXCLUSION_REASONS",
    "choose_publication_account",
    "do_approve_coexecutor_info",
    "do_approve_draft",
    "do_assign_person",
    "do_confirm_publication",
    "do_detect_case",
    "do_dismiss_case",
    "do_exclude_case",
    "do_fail_publication",
    "do_flag_significant",
    "do_mark_repeat",
    "do_mark_unsatisfactory",
    "do_proceed_without_coexecutors",
    "do_publish_answer",
    "do_register_post",
    "do_register_posts",
    "do_return_assignment",
    "do_return_coexecutor_info",
    "do_return_draft",
    "do_route_case",
    "do_set_topic",
    "do_share_answer",
    "do_submit_coexecutor_info",
    "do_submit_draft",
    "do_update_post",
]

# §22: messages with obscenity, insults or threats are not processed.
EXCLUSION_REASONS = {c.value: str(c.label) for c in AbuseCategory}

CANCELLED = Deadline.Outcome.CANCELLED
MET = Deadline.Outcome.MET
AS = Assignment.AssignmentStatus


# --- §9.1 detection -------------------------------------------------------------------------


def do_detect_case(case: Case, *, acting_user: Any, expected_version: int | None = None) -> Case:
    """§9.1: the specialist (or triage, as the system) picks the message out; the route clock starts."""
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "detect")
        # Only from the feed: the table's assigned → new is a §10 return, not a detection.
        stale_or(
            case.status == Status.FEED,
            seen=seen,
            locked=case,
            message=f"Сообщение уже выявлено: обращение в статусе «{Status(case.status).label}».",
        )
        before = move(case, Status.NEW, seen=seen)
        case.detected_at = t
        case.detected_by = actor_of(acting_user)
        deadline = dl.open_deadline(
            case, Stage.ROUTE, started_at=t, organization_id=administration_id(case), user_id=None
        )
        record(case, "case_detected", acting_user, before=before, at=t, deadline_id=deadline.pk)
        finish(case, ["status", "detected_at", "detected_by"])
        emit("case_detected", case, acting_user, deadline_id=deadline.pk)
    return case


# --- §9.2, §17 routing -----------------------------------------------------------------------


def _organizations(case: Case, organizations: Iterable[Any]) -> list[Organization]:
    ids: list[int] = []
    for org in organizations or ():
        pk = org if isinstance(org, int) else getattr(org, "pk", None)
        if pk is None:
            raise ValidationFailed("Организация-исполнитель не найдена.")
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationFailed("Укажите хотя бы одну организацию-исполнителя.")
    found = Organization.objects.in_bulk(ids)
    out = []
    for pk in ids:
        org = found.get(pk)
        if org is None:
            raise ValidationFailed("Организация-исполнитель не найдена.")
        if org.municipality_id != case.municipality_id:
            raise ValidationFailed(f"Организация «{org}» относится к другому муниципальному образованию.")
        if not org.is_active:
            raise ValidationFailed(f"Организация «{org}» не действует: направить ей обращение нельзя.")
        out.append(org)
    return out


def do_route_case(
    case: Case,
    organizations: Iterable[Any],
    *,
    lead: Any = None,
    acting_user: Any,
    expected_version: int | None = None,
) -> Case:
    """§9.2, §17: one organization is the sole executor; several need a lead, the rest are co-executors.

    From ``new``; from ``assigned`` it is a re-route: the earlier assignments and their
    clocks are cancelled and ``publish_total`` restarts.
    """
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "route")
        orgs = _organizations(case, organizations)
        lead_id = lead if isinstance(lead, int) or lead is None else getattr(lead, "pk", None)
        if len(orgs) > 1 and lead_id is None:
            raise ValidationFailed("Несколько организаций: укажите основного исполнителя (п. 17).")
        if lead_id is not None and lead_id not in {o.pk for o in orgs}:
            raise ValidationFailed("Основной исполнитель должен быть среди выбранных организаций.")
        reroute = case.status == Status.ASSIGNED
        if reroute and seen is not None and seen != case.version:
            # A re-route must be a decision about the routing the caller saw: two identical
            # routes sent at once (a double click) must not silently re-route twice.
            raise CaseChanged(CHANGED_MESSAGE)
        if reroute:
            before = case.status
        else:
            before = move(case, Status.ASSIGNED, seen=seen)
        if reroute:
            dl.close_deadlines(case, None, outcome=CANCELLED, at=t, by=acting_user)
            Assignment.objects.filter(case=case, is_active=True).update(is_active=False, status=AS.CANCELLED)
        else:
            dl.close_deadlines(case, [Stage.ROUTE], outcome=MET, at=t, by=acting_user)
        assignments = []
        for org in orgs:
            if len(orgs) == 1:
                role = Assignment.Role.SOLE
            else:
                role = Assignment.Role.LEAD if org.pk == lead_id else Assignment.Role.CO
            assignments.append(
                Assignment.objects.create(
                    case=case, organization=org, role=role, assigned_at=t, assigned_by=acting_user or None
                )
            )
        # The organizations now see the case (kept on a re-route: they had it); finish() sets the deadline copy.
        CaseOrganization.objects.bulk_create(
            [CaseOrganization(case=case, organization=org) for org in orgs], ignore_conflicts=True
        )
        main = _open_executor_clocks(case, assignments, t)
        case.routed_at = t
        record(
            case,
            "case_routed",
            acting_user,
            before=before,
            at=t,
            reroute=reroute,
            organizations=[o.pk for o in orgs],
            lead=main.organization_id if main.role == Assignment.Role.LEAD else None,
            assignments=[a.pk for a in assignments],
        )
        finish(case, ["status", "routed_at"])
        emit("case_routed", case, acting_user, assignment_ids=[a.pk for a in assignments])
    return case


def _open_executor_clocks(case: Case, assignments: list[Assignment], t: dt.datetime) -> Assignment:
    """The clocks routing starts (the same for a routed case and a repeat sent to its executor):
    §10 return window for each organization, §18 information of each co-executor, §16 publication
    by the main executor and, without co-executors, its §11 draft. Returns the main assignment."""
    main = next(a for a in assignments if a.role != Assignment.Role.CO)
    for a in assignments:
        dl.open_deadline(case, Stage.RETURN_WINDOW, started_at=t, assignment=a)
        if a.role == Assignment.Role.CO:
            dl.open_deadline(case, Stage.COEXEC_INFO, started_at=t, assignment=a)
    dl.open_deadline(case, Stage.PUBLISH_TOTAL, started_at=t, assignment=main)
    if main.role == Assignment.Role.SOLE:
        dl.open_deadline(case, Stage.DRAFT, started_at=t, assignment=main)
    return main


# --- §10 return ------------------------------------------------------------------------------


def do_return_assignment(
    assignment: Assignment, *, reason: str, acting_user: Any, expected_version: int | None = None
) -> Case:
    """§10: the executor is not competent. A co-executor's return ends only its part; a lead's or
    sole executor's return sends the case back to ``new`` with a fresh route clock."""
    reason = required_text(reason, "причину возврата")
    t = now()
    with transaction.atomic():
        case = lock_case(assignment.case_id, expected_version=expected_version)
        fresh = lock_assignment(assignment)
        require(acting_user, case, "return_assignment", assignment=fresh)
        refuse_unless(
            fresh.is_active and fresh.status == AS.ASSIGNED and case.status == Status.ASSIGNED,
            looked_possible=assignment.is_active and assignment.status == AS.ASSIGNED,
            message="Вернуть можно только направление в работе, пока по нему не подготовлен ответ.",
        )
        window = dl.record_return(fresh, at=t, by=acting_user)
        fresh.status = AS.RETURNED
        fresh.is_active = False
        fresh.return_reason = reason
        fresh.returned_at = t
        fresh.save(update_fields=["status", "is_active", "return_reason", "returned_at"])
        before = case.status
        if fresh.role == Assignment.Role.CO:
            dl.close_deadlines(case, None, outcome=CANCELLED, at=t, by=acting_user, assignment=fresh)
            start_lead_draft_if_ready(case, t)
            fields: list[str] = []
        else:
            move(case, Status.NEW, seen=None)
            dl.close_deadlines(case, None, outcome=CANCELLED, at=t, by=acting_user)
            Assignment.objects.filter(case=case, is_active=True).update(is_active=False, status=AS.CANCELLED)
            dl.open_deadline(case, Stage.ROUTE, started_at=t, organization_id=administration_id(case))
            fields = ["status"]
        record(
            case,
            "assignment_returned",
            acting_user,
            before=before,
            at=t,
            assignment_id=fresh.pk,
            organization_id=fresh.organization_id,
            role=fresh.role,
            reason=reason,
            late=bool(window and window.closed_at and window.closed_at > window.due_at),
        )
        finish(case, fields)
        emit("assignment_returned", case, acting_user, assignment_id=fresh.pk)
    return case


# --- §11–15 drafts ---------------------------------------------------------------------------


def do_submit_draft(
    case: Case,
    *,
    text: str,
    kind: str = "final",
    attachments: Iterable[Any] = (),
    acting_user: Any,
    expected_version: int | None = None,
) -> Case:
    """§11 (first draft), §14 (after remarks), §15 (final draft after an intermediate answer)."""
    if kind not in Draft.Kind.values:
        raise ValidationFailed("Вид проекта ответа: «final» (ответ) или «intermediate» (промежуточный).")
    text = required_text(text, "текст проекта ответа")
    files = attachments_list(attachments)
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "submit_draft")
        main = main_assignment(case)
        before = move(case, Status.REVIEW, seen=seen)
        if main is None:
            raise InvalidTransition("У обращения нет исполнителя: сначала направьте его (п. 9.2).")
        if before == Status.ASSIGNED:
            outstanding = Assignment.objects.filter(
                case=case, is_active=True, role=Assignment.Role.CO, status__in=OUTSTANDING_CO
            ).exists()
            if outstanding:
                raise ValidationFailed(
                    "Ещё не получена и не согласована информация соисполнителей (п. 18): "
                    "дождитесь её или попросите специалиста продолжить без неё."
                )
            dl.close_deadlines(
                case, [Stage.DRAFT, Stage.RETURN_WINDOW], outcome=MET, at=t, by=acting_user, assignment=main
            )
        elif before == Status.REVISION:
            dl.close_deadlines(case, [Stage.REVISE], outcome=MET, at=t, by=acting_user)
        elif before == Status.INTERMEDIATE:
            if kind != Draft.Kind.FINAL:
                raise ValidationFailed("После промежуточного ответа направляется окончательный ответ (п. 15).")
            dl.close_deadlines(case, [Stage.FINAL_AFTER_INTERMEDIATE], outcome=MET, at=t, by=acting_user)
        last = Draft.objects.filter(case=case).order_by("-version").values_list("version", flat=True).first()
        draft = Draft.objects.create(
            case=case,
            kind=kind,
            text=text,
            attachments=files,
            version=(last or 0) + 1,
            organization_id=main.organization_id,
            author=acting_user or None,
            submitted_at=t,
        )
        review = dl.open_deadline(case, Stage.REVIEW, started_at=t, organization_id=administration_id(case))
        record(
            case,
            "draft_submitted",
            acting_user,
            before=before,
            at=t,
            draft_id=draft.pk,
            kind=kind,
            version=draft.version,
            text=text,
        )
        finish(case, ["status"])
        emit("draft_submitted", case, acting_user, draft_id=draft.pk, deadline_id=review.pk)
    return case


def _review_draft(draft: Draft, acting_user: Any, expected_version: int | None, action: str) -> tuple:
    case = lock_case(draft.case_id, expected_version=expected_version)
    fresh = Draft.objects.select_for_update().get(pk=draft.pk)
    require(acting_user, case, action)
    latest = Draft.objects.filter(case=case).order_by("-version").values_list("pk", flat=True).first()
    refuse_unless(
        case.status == Status.REVIEW and fresh.outcome == Draft.Outcome.PENDING and fresh.pk == latest,
        looked_possible=draft.outcome == Draft.Outcome.PENDING,
        message="Этот проект ответа не ожидает согласования.",
    )
    return case, fresh


def do_approve_draft(draft: Draft, *, acting_user: Any, expected_version: int | None = None) -> Case:
    """§12: the specialist approves the draft; next it is published."""
    t = now()
    with transaction.atomic():
        case, fresh = _review_draft(draft, acting_user, expected_version, "approve_draft")
        before = move(case, Status.APPROVED, seen=None)
        dl.close_deadlines(case, [Stage.REVIEW], outcome=MET, at=t, by=acting_user)
        fresh.outcome = Draft.Outcome.APPROVED
        fresh.reviewed_by = acting_user or None
        fresh.reviewed_at = t
        fresh.save(update_fields=["outcome", "reviewed_by", "reviewed_at"])
        record(case, "draft_approved", acting_user, before=before, at=t, draft_id=fresh.pk, kind=fresh.kind)
        finish(case, ["status"])
        emit("draft_approved", case, acting_user, draft_id=fresh.pk)
    return case


def do_return_draft(draft: Draft, *, remarks: str, acting_user: Any, expected_version: int | None = None) -> Case:
    """§13: the draft goes back with remarks; the executor's §14 clock starts."""
    remarks = required_text(remarks, "замечания к проекту ответа")
    t = now()
    with transaction.atomic():
        case, fresh = _review_draft(draft, acting_user, expected_version, "return_draft")
        before = move(case, Status.REVISION, seen=None)
        dl.close_deadlines(case, [Stage.REVIEW], outcome=MET, at=t, by=acting_user)
        main = main_assignment(case)
        revise = dl.open_deadline(
            case,
            Stage.REVISE,
            started_at=t,
            assignment=main,
            organization_id=fresh.organization_id,
            # The person the part is assigned to fixes it; else whoever wrote the draft.
            user_id=(main.assignee_id if main is not None and main.assignee_id else fresh.author_id),
        )
        fresh.outcome = Draft.Outcome.RETURNED
        fresh.reviewed_by = acting_user or None
        fresh.reviewed_at = t
        fresh.remarks = remarks
        fresh.save(update_fields=["outcome", "reviewed_by", "reviewed_at", "remarks"])
        record(case, "draft_returned", acting_user, before=before, at=t, draft_id=fresh.pk, remarks=remarks)
        finish(case, ["status"])
        emit("draft_returned", case, acting_user, draft_id=fresh.pk, deadline_id=revise.pk)
    return case


# --- §22 exclusion, dismissal ----------------------------------------------------------------


def _close_case(case: Case, target: Status, acting_user: Any, seen: int | None, t: Any) -> str:
    before = move(case, target, seen=seen)
    dl.close_deadlines(case, None, outcome=CANCELLED, at=t, by=acting_user)
    Assignment.objects.filter(case=case, is_active=True).update(is_active=False, status=AS.CANCELLED)
    case.closed_at = t
    return before


def do_exclude_case(
    case: Case, *, reason_code: str, comment: str = "", acting_user: Any, expected_version: int | None = None
) -> Case:
    """§22: messages with obscenity, insults or threats are not processed."""
    if reason_code not in EXCLUSION_REASONS:
        raise ValidationFailed("Основание исключения (п. 22): обсценная лексика, оскорбление или угроза.")
    comment = (comment or "").strip()[:2000]
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "exclude")
        working = list(Assignment.objects.filter(case=case, is_active=True).values_list("pk", flat=True))
        if case.publications.filter(status="pending").exists():
            raise InvalidTransition("Ответ сейчас размещается: дождитесь результата, затем исключайте (п. 22).")
        # Drafts, publications of an intermediate answer and the journal stay as evidence.
        before = _close_case(case, Status.EXCLUDED, acting_user, seen, t)
        case.excluded_reason = reason_code
        case.excluded_comment = comment
        record(case, "case_excluded", acting_user, before=before, at=t, reason_code=reason_code, comment=comment)
        finish(case, ["status", "closed_at", "excluded_reason", "excluded_comment"])
        emit("case_excluded", case, acting_user, assignment_ids=working)
    return case


def do_dismiss_case(case: Case, *, reason: str, acting_user: Any, expected_version: int | None = None) -> Case:
    """The message needs no reaction."""
    reason = required_text(reason, "почему сообщение не требует реакции")
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "dismiss")
        before = _close_case(case, Status.DISMISSED, acting_user, seen, t)
        case.dismissed_reason = reason
        record(case, "case_dismissed", acting_user, before=before, at=t, reason=reason)
        finish(case, ["status", "closed_at", "dismissed_reason"])
        emit("case_dismissed", case, acting_user)
    return case


# --- §19 repeats, §24 significance, topic ----------------------------------------------------


# §19: a repeat of a case answered this long ago or less still goes to that case's executors.
REPEAT_RECENT = dt.timedelta(days=30)


def _route_as_repeat(target: Case, earlier: Case, acting_user: Any, t: dt.datetime) -> list[Assignment]:
    """§19 «в порядке, предусмотренном пунктами 11–18»: a detected repeat of an open or recently
    answered case goes straight to that case's executor — its §11 draft clock starts, and the
    §9.2 route clock it had is cancelled (no second routing)."""
    if target.status != Status.NEW:
        return []
    if earlier.status in (Status.FEED, Status.NEW, Status.DISMISSED, Status.EXCLUDED):
        return []
    if earlier.status == Status.ANSWERED and (earlier.answered_at is None or t - earlier.answered_at > REPEAT_RECENT):
        return []
    main = (
        Assignment.objects.filter(case=earlier, is_active=True)
        .exclude(role=Assignment.Role.CO)
        .select_related("organization")
        .first()
    )
    if main is None or not main.organization.is_active:
        return []
    move(target, Status.ASSIGNED, seen=None)
    dl.close_deadlines(target, [Stage.ROUTE], outcome=CANCELLED, at=t, by=acting_user)
    part = Assignment.objects.create(
        case=target,
        organization=main.organization,
        role=Assignment.Role.SOLE,
        assigned_at=t,
        assigned_by=acting_user or None,
        assignee_id=main.assignee_id,
    )
    CaseOrganization.objects.bulk_create(
        [CaseOrganization(case=target, organization=main.organization)], ignore_conflicts=True
    )
    _open_executor_clocks(target, [part], t)
    target.routed_at = t
    record(
        target,
        "case_routed",
        acting_user,
        before=Status.NEW,
        at=t,
        reroute=False,
        organizations=[main.organization_id],
        lead=None,
        assignments=[part.pk],
        repeat_of=earlier.pk,
    )
    return [part]


def do_mark_repeat(case: Case, *, earlier_case: Case, acting_user: Any, expected_version: int | None = None) -> Case:
    """§19: link a repeated message to the earlier case (both ways); it runs the same procedure.

    A detected repeat of an open or recently answered case goes straight to that case's executor.
    """
    if earlier_case is None or earlier_case.pk is None:
        raise ValidationFailed("Укажите более раннее обращение.")
    if earlier_case.pk == case.pk:
        raise ValidationFailed("Обращение не может быть повтором самого себя.")
    t = now()
    with transaction.atomic():
        # Lock both in id order so two opposite links cannot deadlock.
        first, second = sorted([case.pk, earlier_case.pk])
        locked = {first: lock_case(first), second: lock_case(second)}
        target, earlier = locked[case.pk], locked[earlier_case.pk]
        if expected_version is not None and target.version != expected_version:
            raise CaseChanged(CHANGED_MESSAGE)
        require(acting_user, target, "mark_repeat")
        if earlier.municipality_id != target.municipality_id:
            raise ValidationFailed("Раннее обращение относится к другому муниципальному образованию.")
        if target.repeat_of_id is not None:
            raise ValidationFailed("Обращение уже отмечено как повтор.")
        node: Case | None = earlier
        seen_ids: set[int] = set()
        while node is not None and node.pk not in seen_ids:
            if node.pk == target.pk:
                raise ValidationFailed("Такая связь образует цикл повторов.")
            seen_ids.add(node.pk)
            node = node.repeat_of
        target.repeat_of = earlier
        record(target, "case_marked_repeat", acting_user, before=target.status, at=t, earlier_case_id=earlier.pk)
        record(earlier, "repeat_linked", acting_user, before=earlier.status, at=t, repeat_case_id=target.pk)
        parts = _route_as_repeat(target, earlier, acting_user, t)
        finish(target, ["repeat_of", "status", "routed_at"] if parts else ["repeat_of"])
        finish(earlier, [])
        emit("case_marked_repeat", target, acting_user, earlier_case_id=earlier.pk)
        if parts:
            emit("case_routed", target, acting_user, assignment_ids=[a.pk for a in parts])
    return target


def do_flag_significant(case: Case, *, reason: str, acting_user: Any, expected_version: int | None = None) -> Case:
    """§24: socially significant or needing an urgent decision — reported to the Head at once."""
    reason = required_text(reason, "чем сообщение социально значимо или почему требует оперативного решения")
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "flag_significant")
        if case.is_significant:
            raise ValidationFailed("Обращение уже отмечено как социально значимое.")
        case.is_significant = True
        case.significant_reason = reason
        case.significant_at = t
        record(case, "case_flagged_significant", acting_user, before=case.status, at=t, reason=reason)
        finish(case, ["is_significant", "significant_reason", "significant_at"])
        emit("case_flagged_significant", case, acting_user)
    return case


def do_set_topic(case: Case, topic: Topic | None, *, acting_user: Any, expected_version: int | None = None) -> Case:
    """Set (or clear) the case's rubricator topic."""
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "set_topic")
        if topic is not None:
            topic = Topic.objects.filter(pk=getattr(topic, "pk", topic)).first()
            if topic is None or topic.municipality_id != case.municipality_id:
                raise ValidationFailed("Тема не найдена в рубрикаторе этого муниципального образования.")
            if not topic.is_active:
                raise ValidationFailed(f"Тема «{topic}» не действует.")
        before_topic = case.topic_id
        if before_topic == (topic.pk if topic else None):
            return case
        case.topic = topic
        record(
            case,
            "topic_set",
            acting_user,
            before=case.status,
            at=t,
            topic_before=before_topic,
            topic_after=topic.pk if topic else None,
        )
        finish(case, ["topic"])
    return case
