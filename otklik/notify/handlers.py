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

from otklik.cases.models import Assignment, Case, Deadline, Draft
from otklik.directory.models import Membership, Role
from otklik.notify import services
from otklik.regulation.stages import stage_with_point

# Stages whose clock runs for the administration's specialists rather than an executor.
SPECIALIST_STAGES = frozenset({"route", "review", "coexec_review"})


def users_with_roles(municipality_id: int, roles: Iterable[str]) -> list[Any]:
    user_ids = Membership.objects.filter(municipality_id=municipality_id, role__in=list(roles)).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def organization_people(organization_ids: Iterable[int]) -> list[Any]:
    user_ids = Membership.objects.filter(
        organization_id__in=list(organization_ids), role__in=[Role.EXECUTOR, Role.ORG_RESPONSIBLE]
    ).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


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


def _notify(case: Case, users: Iterable[Any], kind: str, key: str, title: str, body: str = "", **kw: Any) -> None:
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
    _notify(case, [draft.author], "draft_returned", f"draft_returned:{draft.pk}", title, f"Замечания: {draft.remarks}")


def on_coexec_info_submitted(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    a = Assignment.objects.filter(pk=payload.get("assignment_id") or 0).select_related("organization").first()
    who = f" от «{a.organization}»" if a else ""
    title = f"Информация соисполнителя{who} по обращению №{case.pk} ждёт согласования"
    key = f"coexec_info_submitted:{payload.get('assignment_id')}:{payload.get('deadline_id')}"
    _notify(case, users_with_roles(case.municipality_id, [Role.SPECIALIST]), "coexec_info_submitted", key, title)


def on_case_answered(payload: dict[str, Any]) -> None:
    case = _case(payload)
    if case is None:
        return
    org_ids = Assignment.objects.filter(case=case, is_active=True).values_list("organization_id", flat=True)
    title = f"Ответ по обращению №{case.pk} размещён"
    _notify(case, organization_people(org_ids), "case_answered", f"case_answered:{case.pk}", title)


def responsible_for(deadline: Deadline, case: Case) -> list[Any]:
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
    "draft_submitted": on_draft_submitted,
    "draft_returned": on_draft_returned,
    "coexec_info_submitted": on_coexec_info_submitted,
    "case_answered": on_case_answered,
    "deadline_warned": on_deadline_warned,
    "deadline_breached": on_deadline_breached,
    "case_flagged_significant": on_case_flagged_significant,
}
