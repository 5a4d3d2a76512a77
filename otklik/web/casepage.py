"""Everything the case page shows, gathered in a fixed number of queries.

The page is read by people under a clock, so it shows: the message and its thread, the
triage hints, the live deadlines, the timeline, and the forms of exactly the actions this
user may take now (``allowed_actions``).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.db.models import Q
from django.utils import timezone

from otklik.cases.access import allowed_actions, visible_cases
from otklik.cases.actions import choose_publication_account
from otklik.cases.models import Assignment, Case, CaseEvent, Draft, Post, Publication
from otklik.cases.publishing import is_stuck
from otklik.cases.workflow import Status
from otklik.directory.models import Absence, Role
from otklik.directory.roles import scope_of
from otklik.files.attachments import stored_name
from otklik.regulation.stages import AbuseCategory
from otklik.web import forms as f
from otklik.web.deadlines import describe
from otklik.web.models import AnswerTemplate
from otklik.web.queries import triage_of
from otklik.web.uploads import stored_names

# action name → (form class, button label, css class)
ACTION_FORMS: dict[str, tuple[type[f.ActionForm], str, str]] = {
    "detect": (f.EmptyForm, "Требует реакции (п. 9.1)", ""),
    "route": (f.RouteForm, "Направить (п. 9.2)", ""),
    "assign_person": (f.AssignPersonForm, "Назначить исполнителя", "secondary"),
    "return_assignment": (f.AssignmentReasonForm, "Вернуть — не наша компетенция (п. 10)", "secondary"),
    "submit_info": (f.InfoForm, "Направить информацию (п. 18)", ""),
    "approve_info": (f.AssignmentForm, "Согласовать информацию", ""),
    "return_info": (f.AssignmentRemarksForm, "Вернуть на доработку", "secondary"),
    "proceed_without_co": (f.ReasonForm, "Продолжить без соисполнителей", "secondary"),
    "submit_draft": (f.DraftForm, "Отправить на согласование", ""),
    "approve_draft": (f.DraftApproveForm, "Согласовать проект (п. 12)", ""),
    "return_draft": (f.DraftReturnForm, "Вернуть с замечаниями (п. 13)", "secondary"),
    "publish": (f.PublishForm, "Разместить ответ (п. 16)", ""),
    "exclude": (f.ExcludeForm, "Исключить (п. 22)", "danger"),
    "dismiss": (f.ReasonForm, "Не требует реакции", "secondary"),
    "mark_repeat": (f.RepeatForm, "Отметить как повторное (п. 19)", "secondary"),
    "share_answer": (f.EmptyForm, "Ответить согласованным ответом раннего обращения (п. 19)", "secondary"),
    "flag_significant": (f.ReasonForm, "Социально значимое (п. 24)", "secondary"),
    "set_topic": (f.TopicForm, "Сохранить тему", "secondary"),
    "mark_unsatisfactory": (f.ReasonForm, "Ответ неудовлетворителен (п. 3)", "danger"),
}

EVENT_LABELS: dict[str, str] = {
    "post_registered": "Сообщение собрано",
    "case_created": "Сообщение собрано",
    "case_registered": "Сообщение собрано",
    "case_detected": "Выявлено как требующее реакции (п. 9.1)",
    "case_routed": "Направлено исполнителю (п. 9.2)",
    "person_assigned": "Назначен исполнитель",
    "assignment_returned": "Возвращено исполнителем (п. 10)",
    "coexec_info_submitted": "Соисполнитель направил информацию (п. 18)",
    "coexec_info_approved": "Информация соисполнителя согласована",
    "coexec_info_returned": "Информация соисполнителя возвращена",
    "coexec_forwarded": "Информация передана основному исполнителю",
    "proceeded_without_coexecutors": "Продолжено без соисполнителей",
    "draft_submitted": "Проект ответа на согласовании (п. 11)",
    "draft_returned": "Проект возвращён с замечаниями (п. 13)",
    "draft_approved": "Проект согласован (п. 12)",
    "publication_pending": "Ответ отправлен на размещение",
    "publication_failed": "Ошибка размещения",
    "publication_confirmed": "Ответ размещён",
    "case_answered": "Ответ размещён (п. 16)",
    "case_intermediate": "Размещён промежуточный ответ (п. 15)",
    "case_excluded": "Исключено (п. 22)",
    "case_dismissed": "Не требует реакции",
    "case_marked_repeat": "Отмечено как повторное (п. 19)",
    "case_flagged_significant": "Социально значимое (п. 24)",
    "topic_set": "Изменена тема",
    "answer_unsatisfactory": "Ответ признан неудовлетворительным (ЦУР, п. 3)",
    "coexec_skipped": "Продолжено без соисполнителей (п. 18)",
    "repeat_linked": "Связано с повторным обращением (п. 19)",
    "answer_shared": "Дан согласованный ответ раннего обращения (п. 19)",
    "post_updated": "Сообщение изменено в источнике",
    "deadline_warned": "Предупреждение о сроке",
    "deadline_breached": "Срок нарушен",
}
# Event data keys worth showing a person (everything is escaped by the template).
EVENT_DETAIL_KEYS = ("reason", "remarks", "comment", "reason_code", "url", "error", "assignee")
REASON_CODES = {c.value: str(c.label) for c in AbuseCategory}


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff as (op, text) with op in "eq", "ins", "del"; the template escapes text."""
    a = re.findall(r"\s+|[^\s]+", old)
    b = re.findall(r"\s+|[^\s]+", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("eq", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            if i2 > i1 and not a[i2 - 1].isspace() and not b[j1].isspace():
                out.append(("eq", " "))  # «old new», not «oldnew», when a word was replaced
            out.append(("ins", "".join(b[j1:j2])))
    return out


def _event_rows(events: list[CaseEvent]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        data = e.data if isinstance(e.data, dict) else {}
        details = [(k, data[k]) for k in EVENT_DETAIL_KEYS if data.get(k) not in (None, "", [])]
        details = [(k, REASON_CODES.get(v, v) if k == "reason_code" else v) for k, v in details]
        rows.append(
            {
                "at": e.created_at,
                "label": EVENT_LABELS.get(e.kind, e.kind),
                "actor": (e.actor.get_full_name() or e.actor.username) if e.actor else "Система",
                "details": [
                    (k, v if isinstance(v, str) else ", ".join(map(str, v)) if isinstance(v, list) else str(v))
                    for k, v in details
                ],
            }
        )
    return rows


def similar_answers(triage: Any) -> list[dict[str, Any]]:
    """§20: approved answers to similar messages, as triage found them (``{"draft", "score", "text"}``)."""
    found = getattr(triage, "answer_suggestions", None) or []
    return [s for s in found if isinstance(s, dict) and s.get("text") and str(s.get("draft", "")).isdigit()][:3]


def _mark_absent_assignees(case: Case, assignments: list[Assignment], now: Any) -> None:
    """An assigned person away today: the page names who stands in (``a.deputy``), one query."""

    people = {a.assignee_id for a in assignments if a.is_active and a.assignee_id}
    if not people:
        return
    day = timezone.localtime(now, case.municipality.tzinfo).date()
    away = {
        x.user_id: x.deputy
        for x in Absence.objects.filter(
            user_id__in=people, cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day
        ).select_related("deputy")
    }
    for a in assignments:
        a.deputy = away.get(a.assignee_id or 0)  # type: ignore[attr-defined]


def is_read_only(user: Any, case: Case) -> bool:
    """Head and observer: they see the case but never act on it."""
    roles = scope_of(user).roles_in(case.municipality_id)
    return not roles or roles <= {Role.HEAD, Role.OBSERVER}


def load_case(pk: int) -> Case:
    return Case.objects.select_related("primary_post", "primary_post__account", "topic", "municipality").get(pk=pk)


def build_forms(user: Any, case: Case, allowed: set[str], ctx: dict[str, Any]) -> dict[str, Any]:
    """Unbound forms for the allowed actions, with the objects each one refers to."""
    scope = scope_of(user)
    forms: dict[str, Any] = {}
    mine = [a for a in ctx["assignments"] if a.is_active and a.organization_id in scope.organization_ids]
    for name in allowed:
        if name not in ACTION_FORMS:
            continue
        cls = ACTION_FORMS[name][0]
        if name == "assign_person":
            forms[name] = [
                cls(case=case, initial={"assignment": a.pk, "person": a.assignee_id}, prefix=f"who{a.pk}")
                for a in ctx["assignments"]
                if a.is_active and a.organization_id in scope.responsible_org_ids
            ]
        elif name == "return_assignment":
            forms[name] = [
                cls(case=case, initial={"assignment": a.pk}, prefix=f"ret{a.pk}")
                for a in mine
                if a.status in (Assignment.AssignmentStatus.ASSIGNED, Assignment.AssignmentStatus.INFO_RETURNED)
            ]
        elif name == "submit_info":
            if any(a.role == Assignment.Role.LEAD for a in mine):
                # A lead organization above its co-executor waits for the co-executor's part
                # (the page says until when); it does not write that part itself.
                continue
            forms[name] = [
                cls(
                    case=case,
                    initial={"assignment": a.pk},
                    prefix=f"info{a.pk}",
                    keep_initial=stored_names(a.info_attachments),
                )
                for a in mine
                if a.role == Assignment.Role.CO
                and a.status in (Assignment.AssignmentStatus.ASSIGNED, Assignment.AssignmentStatus.INFO_RETURNED)
            ]
        elif name in ("approve_info", "return_info"):
            forms[name] = [
                cls(case=case, initial={"assignment": a.pk}, prefix=f"{name}{a.pk}")
                for a in ctx["assignments"]
                if a.is_active and a.status == Assignment.AssignmentStatus.INFO_SUBMITTED
            ]
        elif name in ("approve_draft", "return_draft"):
            pending = ctx["pending_draft"]
            forms[name] = cls(case=case, initial={"draft": pending.pk if pending else None})
        elif name == "submit_draft":
            forms[name] = cls(case=case, initial=ctx.get("draft_initial") or {}, keep_initial=ctx.get("draft_keep"))
        elif name == "route":
            current = [a for a in ctx["assignments"] if a.is_active]
            lead = next((a.organization_id for a in current if a.role == Assignment.Role.LEAD), None)
            forms[name] = cls(case=case, initial={"organizations": [a.organization_id for a in current], "lead": lead})
        elif name == "dismiss":
            forms[name] = cls(case=case, initial={"reason": "Не требует реакции органов власти"}, prefix="dismiss")
        elif name in ("flag_significant", "proceed_without_co", "mark_unsatisfactory"):
            forms[name] = cls(case=case, prefix=name)
        elif name == "set_topic":
            forms[name] = cls(case=case, initial={"topic": case.topic_id})
        else:
            forms[name] = cls(case=case)
    return forms


def publication_card(
    case: Case, publications: list[Publication], allowed: frozenset[str] | set[str], *, now: Any
) -> dict[str, Any]:
    """What ``web/_publication_card.html`` shows: the latest publication, whether to keep
    polling it, and whether to offer «Повторить» / «Разместить вручную» (to those with the
    right to publish: the specialists and the lead or sole executor)."""

    current = publications[-1] if publications else None
    stuck = current is not None and is_stuck(current, now)
    return {
        "pub_current": current,
        "pub_history": publications,
        "pub_stuck": stuck,
        "pub_polling": current is not None and current.status == "pending",
        "pub_offer": current is not None and (current.status == "failed" or stuck) and "publish" in allowed,
    }


def publication_card_context(user: Any, case: Case) -> dict[str, Any]:
    publications = list(case.publications.select_related("account").order_by("pk"))
    return {"case": case, **publication_card(case, publications, allowed_actions(user, case), now=timezone.now())}


def case_context(user: Any, case: Case, *, bound: tuple[str, Any] | None = None, error: str = "") -> dict[str, Any]:
    now = timezone.now()
    post: Post | None = case.primary_post
    visible_ids = visible_cases(user).values("pk")
    cal_cache: dict[int, Any] = {}

    parent = None
    earlier: list[Post] = []
    if post is not None:
        if post.parent_key:
            # External keys are only unique per network: the parent is looked up in the case's own
            # municipality, or a message naming another tenant's post would show that post here.
            parent = Post.objects.filter(
                municipality_id=case.municipality_id, network=post.network, source_key=post.parent_key
            ).first()
        if post.author_id:
            earlier = list(
                Post.objects.filter(
                    municipality_id=case.municipality_id,
                    network=post.network,
                    author_id=post.author_id,
                    published_at__lt=post.published_at,
                )
                .filter(case_id__in=visible_ids)
                .exclude(pk=post.pk)
                .order_by("-published_at")[:5]
            )
    other_posts = [p for p in case.posts.all() if post is None or p.pk != post.pk]
    repeats = list(
        Case.objects.filter(Q(repeat_of=case) | Q(pk=case.repeat_of_id or 0))
        .filter(pk__in=visible_ids)
        .select_related("primary_post")
        .order_by("pk")
    )
    assignments = list(
        case.assignments.select_related("organization", "assigned_by", "assignee").order_by("-is_active", "pk")
    )
    _mark_absent_assignees(case, assignments, now)
    drafts = list(case.drafts.select_related("author", "reviewed_by", "organization").order_by("version"))
    previous = None
    for d in drafts:
        d.diff = word_diff(previous.text, d.text) if previous is not None else None  # type: ignore[attr-defined]
        previous = d
    pending_draft = next((d for d in reversed(drafts) if d.outcome == Draft.Outcome.PENDING), None)
    returned_draft = drafts[-1] if drafts and drafts[-1].outcome == Draft.Outcome.RETURNED else None
    publications = list(case.publications.select_related("account", "created_by").order_by("pk"))
    deadlines = list(case.deadlines.select_related("organization", "user").order_by("due_at", "pk"))
    open_deadlines = [
        (
            d,
            describe(
                d.due_at,
                warn_at=d.warn_at,
                municipality=case.municipality,
                cache=cal_cache,
                now=now,
                stage=d.stage,
                point=d.point,
            ),
        )
        for d in deadlines
        if d.closed_at is None
    ]
    closed_deadlines = [d for d in deadlines if d.closed_at is not None]
    events = _event_rows(list(case.events.select_related("actor").order_by("created_at", "pk")))
    allowed = allowed_actions(user, case)
    if case.status == Status.EXCLUDED:
        allowed = set()  # §22: an excluded message is not processed; the page shows its history only
    card = publication_card(case, publications, allowed, now=now)
    if card["pub_current"] is not None and card["pub_current"].status != "published":
        # In flight, failed or stuck: the publication card shows the outcome and offers the way out.
        allowed = allowed - {"publish"}
    ctx: dict[str, Any] = {
        "case": case,
        "post": post,
        "parent": parent,
        "earlier": earlier,
        "other_posts": other_posts,
        "repeats": repeats,
        "triage": triage_of(post),
        "assignments": assignments,
        "drafts": drafts,
        "pending_draft": pending_draft,
        "returned_draft": returned_draft,
        "publications": publications,
        **card,
        "open_deadlines": open_deadlines,
        "closed_deadlines": closed_deadlines,
        "events": events,
        "allowed": allowed,
        "error": error,
        "read_only": not allowed and is_read_only(user, case),
        "excluded_label": REASON_CODES.get(case.excluded_reason, case.excluded_reason),
    }
    if "submit_draft" in allowed:
        ctx["answer_templates"] = list(
            AnswerTemplate.objects.filter(municipality_id=case.municipality_id, is_active=True)
            .filter(Q(topic__isnull=True) | Q(topic_id=case.topic_id))
            .select_related("topic")
            .order_by("-topic_id", "title")
        )
        ctx["similar_answers"] = similar_answers(ctx["triage"])
        source = returned_draft or (drafts[-1] if drafts else None)
        if case.status == Status.INTERMEDIATE and source is not None and source.kind == Draft.Kind.INTERMEDIATE:
            # §15: the final answer is a new text; the intermediate one is offered as a quote.
            ctx["intermediate_quote"] = source.text
            ctx["draft_initial"] = {"kind": Draft.Kind.FINAL, "text": ""}
        elif source is not None:
            # The next version starts from the last one: its text, its links, its stored files ticked.
            links = [a["url"] for a in source.attachments or () if isinstance(a, dict) and a.get("url")]
            ctx["draft_keep"] = stored_names(source.attachments)
            links = [u for u in links if stored_name(u) is None]
            ctx["draft_initial"] = {"text": source.text, "kind": source.kind, "attachments": "\n".join(links)}
    if "publish" in allowed:
        try:
            ctx["default_account"] = choose_publication_account(case)
        except Exception:  # the rule is advisory on this page; the action applies it anyway
            ctx["default_account"] = None
    ctx["forms"] = build_forms(user, case, allowed, ctx)
    if bound is not None:
        name, form = bound
        if isinstance(ctx["forms"].get(name), list):
            ctx["forms"][name] = [
                form if (getattr(x, "prefix", None) == form.prefix) else x for x in ctx["forms"][name]
            ] or [form]
        else:
            ctx["forms"][name] = form
    ctx["panels"] = _panels(ctx["forms"], ctx["assignments"])
    ctx["rerouting"] = any(a.is_active for a in assignments)
    ctx["waiting_note"] = _lead_waiting_note(user, case, assignments, deadlines)
    if "route" in ctx["forms"]:
        ctx["route_orgs"] = _route_orgs(ctx["forms"]["route"], ctx["triage"])
    return ctx


# What waits for this person comes first: approvals before (re-)routing.
PANEL_ORDER = [
    "approve_draft",
    "return_draft",
    "approve_info",
    "return_info",
    "publish",
    "share_answer",
    "detect",
    "route",
    "assign_person",
    "proceed_without_co",
    "submit_info",
    "submit_draft",
    "return_assignment",
    "mark_unsatisfactory",
    "set_topic",
    "flag_significant",
    "mark_repeat",
    "dismiss",
    "exclude",
]
# Rare or destructive actions sit behind a disclosure so the main step stands out.
COLLAPSED = {
    "return_assignment",
    "proceed_without_co",
    "set_topic",
    "flag_significant",
    "mark_repeat",
    "dismiss",
    "exclude",
}


def _panels(forms: dict[str, Any], assignments: list[Assignment]) -> list[dict[str, Any]]:
    orgs = {a.pk: a.organization.short_name for a in assignments}
    panels = []
    for name in PANEL_ORDER:
        if name not in forms:
            continue
        _, label, cls = ACTION_FORMS[name]
        items = forms[name] if isinstance(forms[name], list) else [forms[name]]
        for form in items:
            assignment_id = form["assignment"].value() if "assignment" in form.fields else None
            note = orgs.get(int(str(assignment_id))) if str(assignment_id or "").isdigit() else ""
            panels.append(
                {
                    "name": name,
                    "label": label,
                    "cls": cls,
                    "form": form,
                    "note": note or "",
                    "collapsed": name in COLLAPSED and not form.is_bound,
                }
            )
    return panels


def _route_orgs(form: Any, triage: Any) -> list[dict[str, Any]]:
    """The organization picker: triage's suggestions first, with their reasons."""
    suggestions = {}
    for rank, s in enumerate((getattr(triage, "suggestions", None) or [])[:3]):
        if isinstance(s, dict) and s.get("organization_id"):
            suggestions[s["organization_id"]] = (rank, s)
    if form.is_bound:
        checked = {str(v) for v in form.data.getlist(form.add_prefix("organizations"))}
        lead = str(form.data.get(form.add_prefix("lead"), ""))
    else:  # a re-route starts from the current executors
        checked = {str(v) for v in form.initial.get("organizations") or ()}
        lead = str(form.initial.get("lead") or "")
    rows = []
    for org in form.fields["organizations"].queryset:
        rank, s = suggestions.get(org.pk, (99, None))
        rows.append(
            {
                "org": org,
                "rank": rank,
                "suggestion": s,
                "checked": str(org.pk) in checked,
                "lead": str(org.pk) == lead,
            }
        )
    rows.sort(key=lambda r: r["rank"])
    return rows


COEXEC_STAGES = ("coexec_info", "coexec_review", "coexec_revise")


def _lead_waiting_note(user: Any, case: Case, assignments: list[Assignment], deadlines: list[Any]) -> str:
    """§18: the lead's draft clock waits for the co-executors' parts; say so and until when."""
    if case.status != Status.ASSIGNED:
        return ""
    org_ids = scope_of(user).organization_ids
    if not any(a.is_active and a.role == Assignment.Role.LEAD and a.organization_id in org_ids for a in assignments):
        return ""
    waiting = [d for d in deadlines if d.closed_at is None and d.stage in COEXEC_STAGES]
    if not waiting:
        return ""
    due = timezone.localtime(max(d.due_at for d in waiting), case.municipality.tzinfo)
    today = timezone.localtime(timezone.now(), case.municipality.tzinfo).date()
    when = due.strftime("%H:%M") if due.date() == today else due.strftime("%d.%m %H:%M")
    return f"Ожидается информация соисполнителя до {when}; срок проекта ответа начнётся после неё."
