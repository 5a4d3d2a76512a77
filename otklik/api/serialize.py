"""Cases as the API shows them: a list row and the full detail, each in a fixed number of queries.

One rendering for every answer (the list, the detail, and the case every action returns):
plain dicts that match the response schemas of ``schemas.py``, written by orjson (RFC 3339
timestamps, UTC as ``Z``). The schemas stay in the OpenAPI document; the tests (and
schemathesis) check that the answers conform, so they are not validated again per request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Left
from django.http import HttpResponse
from django.utils.translation import get_language

from otklik.api.auth import Principal
from otklik.api.scope import case_for
from otklik.cases.access import allowed_actions
from otklik.cases.models import Assignment, Case, CaseEvent, Deadline, Draft, Post, Publication
from otklik.cases.workflow import Status

LIST_TEXT = 500  # a case in the list: the first characters of the message only
_ENCODER = DjangoJSONEncoder()


def json_response(data: Any) -> HttpResponse:
    return HttpResponse(dumps(data), content_type="application/json; charset=utf-8")


def dumps(data: Any) -> bytes:
    """orjson for what it knows; lazy translations, decimals, durations through Django's encoder."""
    return orjson.dumps(data, default=_ENCODER.default, option=orjson.OPT_UTC_Z)


# ---- the list -----------------------------------------------------------------------------------

# A list row: JSON key -> ORM path from the case. A page is read with values(): 50 cases as
# model instances (case, post, municipality, topic, assignments, organizations) cost more
# than all of its queries.
_ROW = {
    "id": "id",
    "municipality": "municipality__slug",
    "status": "status",
    "version": "version",
    "network": "primary_post__network",
    "source_key": "primary_post__source_key",
    "url": "primary_post__url",
    "author_name": "primary_post__author_name",
    "published_at": "primary_post__published_at",
    "created_at": "created_at",
    "detected_at": "detected_at",
    "routed_at": "routed_at",
    "answered_at": "answered_at",
    "next_due_at": "next_due_at",
    "topic_id": "topic_id",
    "topic_name": "topic__name",
    "is_significant": "is_significant",
    "excluded_reason": "excluded_reason",
    "repeat_of": "repeat_of_id",
}
_REF = ("id", "organization_id", "organization", "role", "status")


def list_rows(cases: QuerySet[Case]) -> QuerySet[Any]:
    """The values a list row shows (the text cut in the database), with the page's sort key."""
    return cases.annotate(text_head=Left("primary_post__text", LIST_TEXT)).values(
        *_ROW.values(), "text_head", "sort_due"
    )


def list_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of ``list_rows`` as the list shows it, with the active assignments (one query)."""
    refs: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    active = (
        Assignment.objects.filter(case_id__in=refs, is_active=True)
        .order_by("pk")
        .values_list("case_id", "id", "organization_id", "organization__short_name", "role", "status")
    )
    for case_id, *ref in active:
        refs[case_id].append(dict(zip(_REF, ref, strict=True)))
    return [_row({key: row[path] for key, path in _ROW.items()}, row["text_head"], refs[row["id"]]) for row in rows]


@cache
def _status_labels(language: str | None) -> dict[str, str]:
    """Status labels in ``language``, resolved once (each lazy label costs more than a row)."""
    return {s.value: str(s.label) for s in Status}


def _row(v: dict[str, Any], text: str | None, assignments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": v["id"],
        "municipality": v["municipality"],
        "status": v["status"],
        "status_label": _status_labels(get_language())[v["status"]],
        "version": v["version"],
        "network": v["network"],
        "source_key": v["source_key"],
        "url": v["url"],
        "author_name": v["author_name"],
        "text": text or "",
        "published_at": v["published_at"],
        "created_at": v["created_at"],
        "detected_at": v["detected_at"],
        "routed_at": v["routed_at"],
        "answered_at": v["answered_at"],
        "next_due_at": v["next_due_at"],
        "topic": {"id": v["topic_id"], "name": v["topic_name"]} if v["topic_id"] else None,
        "is_significant": v["is_significant"],
        "excluded_reason": v["excluded_reason"],
        "repeat_of": v["repeat_of"],
        "assignments": assignments,
    }


def _assignment_ref(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "organization_id": a.organization_id,
        "organization": a.organization.short_name,
        "role": a.role,
        "status": a.status,
    }


def _case_row(case: Case, active: list[Assignment]) -> dict[str, Any]:
    """The detail's head: the list row of a loaded case, with the message's whole text."""
    post, topic = case.primary_post, case.topic
    v = {key: getattr(case, path) for key, path in _ROW.items() if "__" not in path}
    v["municipality"] = case.municipality.slug
    v["topic_name"] = topic.name if topic else None
    for key, path in _ROW.items():
        if path.startswith("primary_post__"):
            v[key] = getattr(post, path.removeprefix("primary_post__")) if post else None
    return _row(v, post.text if post else "", [_assignment_ref(a) for a in active])


# ---- the detail ---------------------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _post(p: Post) -> dict[str, Any]:
    return {
        "id": p.pk,
        "network": p.network,
        "source_key": p.source_key,
        "url": p.url,
        "author_id": p.author_id,
        "author_name": p.author_name,
        "author_url": p.author_url,
        "text": p.text,
        "attachments": _list(p.attachments),
        "parent_key": p.parent_key,
        "published_at": p.published_at,
        "collected_at": p.collected_at,
        "account_id": p.account_id,
        "edited_at": p.edited_at,
        "deleted_at": p.deleted_at,
    }


def _assignment(a: Assignment) -> dict[str, Any]:
    return {
        **_assignment_ref(a),
        "is_active": a.is_active,
        "assigned_at": a.assigned_at,
        "return_reason": a.return_reason,
        "returned_at": a.returned_at,
        "info_text": a.info_text,
        "info_submitted_at": a.info_submitted_at,
        "info_remarks": a.info_remarks,
        "forwarded_at": a.forwarded_at,
    }


def _draft(d: Draft) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "text": d.text,
        "attachments": _list(d.attachments),
        "version": d.version,
        "organization_id": d.organization_id,
        "author_id": d.author_id,
        "submitted_at": d.submitted_at,
        "outcome": d.outcome,
        "reviewed_at": d.reviewed_at,
        "remarks": d.remarks,
    }


def _publication(p: Publication) -> dict[str, Any]:
    return {
        "id": p.pk,
        "draft_id": p.draft_id,
        "kind": p.kind,
        "account_id": p.account_id,
        "status": p.status,
        "external_id": p.external_id,
        "url": p.url,
        "error": p.error,
        "created_at": p.created_at,
        "published_at": p.published_at,
    }


def _deadline(d: Deadline) -> dict[str, Any]:
    return {
        "id": d.pk,
        "stage": d.stage,
        "point": d.point,
        "assignment_id": d.assignment_id,
        "organization_id": d.organization_id,
        "user_id": d.user_id,
        "limit_value": d.limit_value,
        "limit_unit": d.limit_unit,
        "started_at": d.started_at,
        "due_at": d.due_at,
        "warn_at": d.warn_at,
        "warned_at": d.warned_at,
        "breached_at": d.breached_at,
        "closed_at": d.closed_at,
        "outcome": d.outcome,
        "is_violation": d.is_violation,
    }


def _event(e: CaseEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor_id": e.actor_id,
        "created_at": e.created_at,
        "data": e.data if isinstance(e.data, dict) else {"value": e.data},
    }


_ASSIGNMENT_FIELDS = (
    "role",
    "status",
    "is_active",
    "assigned_at",
    "return_reason",
    "returned_at",
    "info_text",
    "info_submitted_at",
    "info_remarks",
    "forwarded_at",
)
_DETAIL_PREFETCH = (
    Prefetch(
        "assignments",
        queryset=Assignment.objects.select_related("organization")
        .only("case_id", "organization__short_name", *_ASSIGNMENT_FIELDS)
        .order_by("pk"),
    ),
    Prefetch("posts", queryset=Post.objects.defer("raw").order_by("published_at", "pk")),  # raw: never shown
    Prefetch("drafts", queryset=Draft.objects.order_by("version")),
    Prefetch("publications", queryset=Publication.objects.order_by("pk")),
    Prefetch("deadlines", queryset=Deadline.objects.order_by("started_at", "pk")),
    Prefetch("events", queryset=CaseEvent.objects.order_by("created_at", "pk")),
)


def case_detail(principal: Principal, case_id: int, *, checked: bool = False) -> dict[str, Any]:
    """The full case, if the principal may see it (NotVisible otherwise); ``checked``: the
    caller has just acted on it through the access door (an action's answer)."""
    qs = (
        Case.objects.select_related("municipality", "primary_post", "topic")
        .defer("primary_post__raw")
        .prefetch_related(*_DETAIL_PREFETCH)
    )
    case = qs.get(pk=case_id) if checked else case_for(principal, case_id, queryset=qs)
    assignments = list(case.assignments.all())
    publications = list(case.publications.all())
    allowed: list[str] = []
    if principal.user is not None:
        statuses = [p.status for p in publications]
        allowed = sorted(allowed_actions(principal.user, case, assignments=assignments, publication_statuses=statuses))
    return {
        **_case_row(case, [a for a in assignments if a.is_active]),
        "excluded_comment": case.excluded_comment,
        "dismissed_reason": case.dismissed_reason,
        "significant_reason": case.significant_reason,
        "closed_at": case.closed_at,
        "message": _post(case.primary_post) if case.primary_post else None,
        "assignments_full": [_assignment(a) for a in assignments],
        "allowed_actions": allowed,
        "thread": [_post(p) for p in case.posts.all()],
        "drafts": [_draft(d) for d in case.drafts.all()],
        "publications": [_publication(p) for p in publications],
        "deadlines": [_deadline(d) for d in case.deadlines.all()],
        "events": [_event(e) for e in case.events.all()],
    }
