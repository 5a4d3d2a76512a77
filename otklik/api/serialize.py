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
from otklik.cases.queries import with_active_assignments
from otklik.cases.workflow import Status

LIST_TEXT = 500  # a case in the list: the first characters of the message only
_ENCODER = DjangoJSONEncoder()


def json_response(data: Any) -> HttpResponse:
    return HttpResponse(dumps(data), content_type="application/json; charset=utf-8")


def dumps(data: Any) -> bytes:
    """orjson for what it knows; lazy translations, decimals, durations through Django's encoder."""
    return orjson.dumps(data, default=_ENCODER.default, option=orjson.OPT_UTC_Z)


# ---- the list -----------------------------------------------------------------------------------

_ROW_FIELDS = (
    "id",
    "status",
    "version",
    "created_at",
    "detected_at",
    "routed_at",
    "answered_at",
    "next_due_at",
    "is_significant",
    "excluded_reason",
    "repeat_of",
    "municipality__slug",
    "primary_post__network",
    "primary_post__source_key",
    "primary_post__url",
    "primary_post__author_name",
    "primary_post__published_at",
    "topic__name",
)


def list_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with what a list row shows, and nothing else (the text cut in the database)."""
    return with_active_assignments(
        cases.select_related("municipality", "primary_post", "topic")
        .only(*_ROW_FIELDS)
        .annotate(text_head=Left("primary_post__text", LIST_TEXT))
    )


@cache
def _status_labels(language: str | None) -> dict[str, str]:
    """Status labels in ``language``, resolved once (each lazy label costs more than a row)."""
    return {s.value: str(s.label) for s in Status}


def _assignment_ref(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "organization_id": a.organization_id,
        "organization": a.organization.short_name,
        "role": a.role,
        "status": a.status,
    }


def case_row(case: Case, *, text: str | None = None) -> dict[str, Any]:
    """A case as the list shows it (``list_rows`` loaded it: text cut, active assignments)."""
    post = case.primary_post
    topic = case.topic
    return {
        "id": case.pk,
        "municipality": case.municipality.slug,
        "status": case.status,
        "status_label": _status_labels(get_language())[case.status],
        "version": case.version,
        "network": post.network if post else None,
        "source_key": post.source_key if post else None,
        "url": post.url if post else None,
        "author_name": post.author_name if post else None,
        "text": (text if text is not None else getattr(case, "text_head", None)) or "",
        "published_at": post.published_at if post else None,
        "created_at": case.created_at,
        "detected_at": case.detected_at,
        "routed_at": case.routed_at,
        "answered_at": case.answered_at,
        "next_due_at": case.next_due_at,
        "topic": {"id": topic.pk, "name": topic.name} if topic else None,
        "is_significant": case.is_significant,
        "excluded_reason": case.excluded_reason,
        "repeat_of": case.repeat_of_id,
        "assignments": [_assignment_ref(a) for a in case.active_assignments],  # type: ignore[attr-defined]
    }


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
    case.active_assignments = [a for a in assignments if a.is_active]  # type: ignore[attr-defined]
    allowed: list[str] = []
    if principal.user is not None:
        statuses = [p.status for p in publications]
        allowed = sorted(allowed_actions(principal.user, case, assignments=assignments, publication_statuses=statuses))
    return {
        **case_row(case, text=case.primary_post.text if case.primary_post else ""),
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
