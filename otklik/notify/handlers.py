"""Who is told what, for each event of the core (subscribed in ``NotifyConfig.ready``).

Each handler runs as a background job after the action's transaction commits; it reads
what it needs by the ids in the payload and calls :func:`otklik.notify.services.notify`
(idempotent per event and person), then sends what is due at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from otklik.cases.deadlines import SPECIALIST_STAGES
from otklik.cases.models import Assignment, Case, CaseEvent, Deadline, Draft, Publication
from otklik.directory.models import Membership, Role
from otklik.directory.people import organization_people, present
from otklik.notify import services
from otklik.regulation.stages import Stage, abuse_label, stage_with_point


def users_with_roles(municipality_id: int, roles: Iterable[str]) -> list[Any]:
    user_ids = Membership.objects.filter(municipality_id=municipality_id, role__in=list(roles)).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def part_people(assignment: Assignment) -> list[Any]:
    """Who works an organization's part: the person it is assigned to, else the organization's people."""
    person = assignment.assignee if assignment.assignee_id is not None else None
    if person is not None and person.is_active:
        return [person]
    return organization_people([assignment.organization_id])


def specialists_and_coordinators(case: Case) -> list[Any]:
    return users_with_roles(case.municipality_id, [Role.SPECIALIST, Role.COORDINATOR])


def _case(payload: dict[str, Any]) -> Case | None:
    return Case.objects.select_related("municipality", "primary_post").filter(pk=payload.get("case_id") or 0).first()


def _local(case: Case, t: dt.datetime | None) -> str:
    if t is None:
        return "—"
    return timezone.localtime(t, case.municipality.tzinfo).strftime("%d.%m.%Y %H:%M")


def _excerpt(case: Case, limit: int = 300) -> str:
    post = case.primary_post
    text = (post.text if post else "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _send_now(notifications: list[Any]) -> None:
    ids = [d.pk for n in notifications for d in n.deliveries.all()]
    if ids:
        services.send_due(ids=ids)


def _due(case: Case, t: dt.datetime | None) -> str:
    """«HH:MM» today, «DD.MM.YYYY HH:MM» on another day (the municipality's local time)."""
    if t is None:
        return "—"
    tz = case.municipality.tzinfo
    local = timezone.localtime(t, tz)
    if local.date() == timezone.localtime(timezone.now(), tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m.%Y %H:%M")


def _open_due(case: Case, stage: str, **filters: Any) -> dt.datetime | None:
    d = Deadline.objects.filter(case=case, stage=stage, closed_at__isnull=True, **filters).order_by("due_at").first()
    return d.due_at if d else None


def _notify(case: Case, users: Iterable[Any], kind: str, key: str, title: str, body: str = "", **kw: Any) -> None:
    # An absent person's notifications go to their deputy (issue 18 §3).
    users = present(users, tz=case.municipality.tzinfo)
    created = services.notify(
        users,
        kind=kind,
        title=title,
        body=body,
        url=case.get_absolute_url(),
        dedupe_key=key,
        municipality=case.municipality,
        case_id=case.pk,
        **kw,
    )
    _send_now(created)


# --- handlers --------------------------------------------------------------------------------


def on_case_routed(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    for a in Assignment.objects.filter(pk__in=payload.get("assignment_ids") or []).select_related("organization"):
        role = a.get_role_display().lower()
        title = f"Новое обращение №{case.pk} для «{a.organization}» ({role})"
        _notify(
            case, organization_people([a.organization_id]), "case_routed", f"case_routed:{a.pk}", title, _excerpt(case)
        )


def on_draft_submitted(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    title = f"Проект ответа по обращению №{case.pk} ждёт согласования"
    specialists = users_with_roles(case.municipality_id, [Role.SPECIALIST])
    _notify(case, specialists, "draft_submitted", f"draft_submitted:{payload.get('draft_id')}", title)


def on_draft_returned(payload: dict[str, Any]) -> None:
    case = _case(payload)
    draft = Draft.objects.filter(pk=payload.get("draft_id") or 0).select_related("author").first()
    if case is None or draft is None:
        return
    title = f"Проект ответа по обращению №{case.pk} возвращён на доработку"
    main = Assignment.objects.filter(case=case, is_active=True).exclude(role=Assignment.Role.CO).first()
    users = [main.assignee] if main is not None and main.assignee_id else [draft.author]
    _notify(case, users, "draft_returned", f"draft_returned:{draft.pk}", title, f"Замечания: {draft.remarks}")


def on_coexec_info_submitted(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    a = Assignment.objects.filter(pk=payload.get("assignment_id") or 0).select_related("organization").first()
    who = f" от «{a.organization}»" if a else ""
    title = f"Информация соисполнителя{who} по обращению №{case.pk} ждёт согласования"
    key = f"coexec_info_submitted:{payload.get('assignment_id')}:{payload.get('deadline_id')}"
    _notify(case, users_with_roles(case.municipality_id, [Role.SPECIALIST]), "coexec_info_submitted", key, title)


def on_person_assigned(payload: dict[str, Any]) -> None:
    case = _case(payload)
    a = Assignment.objects.filter(pk=payload.get("assignment_id") or 0).select_related("assignee").first()
    if case is None or a is None or a.assignee_id is None or a.assignee_id != payload.get("assignee_id"):
        return
    title = f"Вам назначено обращение №{case.pk}"
    due = Deadline.objects.filter(case=case, assignment=a, closed_at__isnull=True).exclude(
        stage__in=[*SPECIALIST_STAGES, Stage.RETURN_WINDOW]
    )
    lines = [f"Срок: {stage_with_point(d.stage)} — до {_local(case, d.due_at)}" for d in due.order_by("due_at")]
    body = "\n".join([_excerpt(case), *lines]).strip()
    _notify(
        case,
        [a.assignee],
        "person_assigned",
        f"person_assigned:{a.pk}:{a.assignee_id}:{payload.get('version')}",
        title,
        body,
    )


def on_assignment_returned(payload: dict[str, Any]) -> None:
    """§10: the specialists and coordinators learn at once, with the reason."""
    case = _case(payload)
    a = Assignment.objects.filter(pk=payload.get("assignment_id") or 0).select_related("organization").first()
    if case is None or a is None:
        return
    title = f"Обращение №{case.pk} возвращено исполнителем «{a.organization}» (п. 10)"
    body = f"Причина: {a.return_reason}"
    if a.role != Assignment.Role.CO:
        body += f"\nНаправьте обращение исполнителю до {_due(case, _open_due(case, Stage.ROUTE))}."
    _notify(case, specialists_and_coordinators(case), "assignment_returned", f"assignment_returned:{a.pk}", title, body)


def on_draft_approved(payload: dict[str, Any]) -> None:
    """§12: the approved draft goes to the (lead) executor to publish."""
    case = _case(payload)
    if case is None:
        return
    main = (
        Assignment.objects.filter(case=case, is_active=True, role__in=[Assignment.Role.SOLE, Assignment.Role.LEAD])
        .select_related("assignee")
        .first()
    )
    if main is None:
        return
    due = _open_due(case, Stage.PUBLISH_TOTAL)
    if due is not None:
        title = f"Проект согласован — разместите ответ до {_due(case, due)} (обращение №{case.pk})"
    else:
        title = f"Проект согласован — разместите ответ (обращение №{case.pk})"
    draft = Draft.objects.filter(pk=payload.get("draft_id") or 0).first()
    body = f"Согласованный текст:\n{draft.text}" if draft else ""
    key = f"draft_approved:{payload.get('draft_id')}"
    _notify(case, part_people(main), "draft_approved", key, title, body)


def on_coexec_info_approved(payload: dict[str, Any]) -> None:
    """§18: the co-executor's part, approved, is forwarded to the lead."""
    case = _case(payload)
    co = Assignment.objects.filter(pk=payload.get("assignment_id") or 0).select_related("organization").first()
    lead = (
        Assignment.objects.filter(case=case, is_active=True, role=Assignment.Role.LEAD)
        .select_related("assignee")
        .first()
        if case
        else None
    )
    if case is None or co is None or lead is None:
        return
    due = _open_due(case, Stage.DRAFT, assignment=lead)
    if due is not None:
        title = f"Информация соисполнителя получена — срок проекта ответа до {_due(case, due)} (обращение №{case.pk})"
    else:
        title = f"Информация соисполнителя получена (обращение №{case.pk}): ждём остальных соисполнителей"
    body = f"От «{co.organization}»:\n{co.info_text}"
    _notify(
        case,
        part_people(lead),
        "coexec_info_approved",
        f"coexec_info_approved:{co.pk}:{co.info_reviewed_at}",
        title,
        body,
    )


def on_coexec_info_returned(payload: dict[str, Any]) -> None:
    case = _case(payload)
    co = Assignment.objects.filter(pk=payload.get("assignment_id") or 0).select_related("assignee").first()
    if case is None or co is None:
        return
    due = _open_due(case, Stage.COEXEC_REVISE, assignment=co)
    title = f"Информация соисполнителя по обращению №{case.pk} возвращена на доработку — до {_due(case, due)}"
    key = f"coexec_info_returned:{co.pk}:{payload.get('deadline_id')}"
    _notify(case, part_people(co), "coexec_info_returned", key, title, f"Замечания: {co.info_remarks}")


def on_publication_failed(payload: dict[str, Any]) -> None:
    """The answer did not go out: whoever published it and the specialists must act."""
    case = _case(payload)
    publication = Publication.objects.filter(pk=payload.get("publication_id") or 0).select_related("created_by").first()
    if case is None or publication is None:
        return
    title = f"Ответ по обращению №{case.pk} не размещён: ошибка публикации"
    body = f"Причина: {publication.error}" if publication.error else ""
    users = [publication.created_by, *users_with_roles(case.municipality_id, [Role.SPECIALIST])]
    key = f"publication_failed:{publication.pk}:{publication.attempts}"
    _notify(case, users, "publication_failed", key, title, body)


def on_case_marked_repeat(payload: dict[str, Any]) -> None:
    """§19: a repeat of an open case reaches that case's executors."""
    repeat = _case(payload)
    earlier = _case({"case_id": payload.get("earlier_case_id")})
    if repeat is None or earlier is None:
        return
    parts = list(Assignment.objects.filter(case=earlier, is_active=True).select_related("assignee"))
    if not parts:
        return
    users = [u for a in parts for u in part_people(a)]
    title = f"Повторное сообщение по обращению №{earlier.pk} (п. 19)"
    body = f"Обращение №{repeat.pk}:\n{_excerpt(repeat)}"
    _notify(earlier, users, "case_marked_repeat", f"case_marked_repeat:{repeat.pk}", title, body)


def on_answer_unsatisfactory(payload: dict[str, Any]) -> None:
    """§3: the regional centre found the answer unsatisfactory — the executor corrects it, specialists know."""
    case = _case(payload)
    deadline = Deadline.objects.filter(pk=payload.get("deadline_id") or 0).first()
    main = (
        Assignment.objects.filter(case=case, is_active=True)
        .exclude(role=Assignment.Role.CO)
        .select_related("assignee")
        .first()
        if case
        else None
    )
    if case is None or deadline is None or main is None:
        return

    event = CaseEvent.objects.filter(case=case, kind="answer_unsatisfactory").order_by("-id").first()
    title = (
        f"Ответ по обращению №{case.pk} признан неудовлетворительным — "
        f"исправленный ответ до {_due(case, deadline.due_at)}"
    )
    body = f"Комментарий ЦУР: {(event.data or {}).get('comment', '')}" if event else ""
    users = [*part_people(main), *users_with_roles(case.municipality_id, [Role.SPECIALIST])]
    _notify(case, users, "answer_unsatisfactory", f"answer_unsatisfactory:{deadline.pk}", title, body)


def on_case_excluded(payload: dict[str, Any]) -> None:
    """§22: the executors who were working on it stop, and learn why."""
    case = _case(payload)
    if case is None:
        return
    parts = list(Assignment.objects.filter(pk__in=payload.get("assignment_ids") or []).select_related("assignee"))
    if not parts:
        return

    title = f"Обращение №{case.pk} исключено (п. 22): {abuse_label(case.excluded_reason)} — работа по нему прекращена"
    body = f"Комментарий: {case.excluded_comment}" if case.excluded_comment else ""
    users = [u for a in parts for u in part_people(a)]
    _notify(case, users, "case_excluded", f"case_excluded:{case.pk}", title, body)


def on_case_answered(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    org_ids = Assignment.objects.filter(case=case, is_active=True).values_list("organization_id", flat=True)
    title = f"Ответ по обращению №{case.pk} размещён"
    _notify(case, organization_people(org_ids), "case_answered", f"case_answered:{case.pk}", title)


def responsible_for(deadline: Deadline, case: Case) -> list[Any]:
    """The official holding the stage (assigned person, else the organization's responsible), else
    the organization's people or, for the administration's stages, the specialists."""
    if deadline.user_id:
        return [deadline.user]
    if deadline.stage in SPECIALIST_STAGES or deadline.organization_id is None:
        return users_with_roles(case.municipality_id, [Role.SPECIALIST])
    return organization_people([deadline.organization_id])


def _deadline(payload: dict[str, Any]) -> tuple[Case | None, Deadline | None]:
    deadline = (
        Deadline.objects.select_related("user", "organization").filter(pk=payload.get("deadline_id") or 0).first()
    )
    return _case(payload), deadline


def on_deadline_warned(payload: dict[str, Any]) -> None:
    case, deadline = _deadline(payload)
    if case is None or deadline is None or deadline.closed_at is not None:
        return
    title = f"Подходит срок по обращению №{case.pk}: {stage_with_point(deadline.stage)} — до {_local(case, deadline.due_at)}"
    _notify(case, responsible_for(deadline, case), "deadline_warned", f"deadline_warned:{deadline.pk}", title)


def on_deadline_breached(payload: dict[str, Any]) -> None:
    case, deadline = _deadline(payload)
    if case is None or deadline is None:
        return
    who = f" ({deadline.organization})" if deadline.organization_id else ""
    title = f"Нарушен срок по обращению №{case.pk}: {stage_with_point(deadline.stage)}{who}, срок истёк {_local(case, deadline.due_at)}"
    users = responsible_for(deadline, case) + users_with_roles(case.municipality_id, [Role.COORDINATOR])
    _notify(case, users, "deadline_breached", f"deadline_breached:{deadline.pk}", title)


def significant_report(case: Case) -> tuple[str, str]:
    """§24: the message, its link, the executor and the deadlines — the text of the report."""
    post = case.primary_post
    lines = [f"Причина: {case.significant_reason}" if case.significant_reason else "", ""]
    lines.append("Сообщение:")
    lines.append(_excerpt(case, 2000) or "—")
    if post and post.url:
        lines.append(f"Ссылка на сообщение: {post.url}")
    lines.append(f"Карточка обращения: {services.absolute(case.get_absolute_url())}")
    assignments = list(Assignment.objects.filter(case=case, is_active=True).select_related("organization"))
    if assignments:
        lines.append(
            "Исполнитель: " + "; ".join(f"{a.organization.name} ({a.get_role_display().lower()})" for a in assignments)
        )
    else:
        lines.append("Исполнитель: ещё не назначен")
    deadlines = list(
        Deadline.objects.filter(case=case, closed_at__isnull=True).exclude(stage="return_window").order_by("due_at")
    )
    for d in deadlines:
        lines.append(f"Срок: {stage_with_point(d.stage)} — до {_local(case, d.due_at)}")
    title = f"Социально значимое сообщение (п. 24): обращение №{case.pk}"
    return title, "\n".join(line for line in lines if line is not None).strip()


def on_case_flagged_significant(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    title, body = significant_report(case)
    users = users_with_roles(case.municipality_id, [Role.HEAD, Role.COORDINATOR])
    _notify(case, users, "case_flagged_significant", f"significant:{case.pk}", title, body, urgent=True)


HANDLERS = {
    "case_routed": on_case_routed,
    "person_assigned": on_person_assigned,
    "assignment_returned": on_assignment_returned,
    "draft_approved": on_draft_approved,
    "coexec_info_approved": on_coexec_info_approved,
    "coexec_info_returned": on_coexec_info_returned,
    "publication_failed": on_publication_failed,
    "answer_unsatisfactory": on_answer_unsatisfactory,
    "case_excluded": on_case_excluded,
    "case_marked_repeat": on_case_marked_repeat,
    "draft_submitted": on_draft_submitted,
    "draft_returned": on_draft_returned,
    "coexec_info_submitted": on_coexec_info_submitted,
    "case_answered": on_case_answered,
    "deadline_warned": on_deadline_warned,
    "deadline_breached": on_deadline_breached,
    "case_flagged_significant": on_case_flagged_significant,
}
