"""Cases as the API shows them: a list row and the full detail, each in a fixed number of queries."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

from otklik.api.auth import Principal
from otklik.cases.models import Assignment, Case, Post
from otklik.cases.workflow import Status

LIST_TEXT = 500
# Columns the list never shows: a post's raw network payload can be large.
LIST_DEFERRED = (
    "primary_post__raw",
    "primary_post__attachments",
    "excluded_comment",
    "dismissed_reason",
    "significant_reason",
)


def json_response(data: Any) -> HttpResponse:
    """Render an already-shaped payload without a second pass through pydantic.

    The hot reads (case list and detail) build plain dicts that match their response
    schema; validating them again per request cost more than the queries. The schema
    stays in the OpenAPI document, and the tests (and schemathesis) check conformance.
    """
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _assignment_refs(assignments: list[Assignment]) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "organization_id": a.organization_id,
            "organization": a.organization.short_name,
            "role": a.role,
            "status": a.status,
        }
        for a in assignments
    ]


def active_assignments(cases: list[Case]) -> dict[int, list[Assignment]]:
    by_case: dict[int, list[Assignment]] = {c.pk: [] for c in cases}
    if by_case:
        rows = (
            Assignment.objects.filter(case_id__in=by_case, is_active=True)
            .select_related("organization")
            .order_by("case_id", "pk")
        )
        for a in rows:
            by_case[a.case_id].append(a)
    return by_case


def case_row(case: Case, assignments: list[Assignment], *, full_text: bool = False) -> dict[str, Any]:
    post: Post | None = case.primary_post
    text = post.text if post else ""
    return {
        "id": case.pk,
        "municipality": case.municipality.slug,
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "version": case.version,
        "network": post.network if post else None,
        "source_key": post.source_key if post else None,
        "url": post.url if post else None,
        "author_name": post.author_name if post else None,
        "text": text if full_text else text[:LIST_TEXT],
        "published_at": post.published_at if post else None,
        "created_at": case.created_at,
        "detected_at": case.detected_at,
        "routed_at": case.routed_at,
        "answered_at": case.answered_at,
        "next_due_at": case.next_due_at,
        "topic": {"id": case.topic.pk, "name": case.topic.name} if case.topic else None,
        "is_significant": case.is_significant,
        "excluded_reason": case.excluded_reason,
        "repeat_of": case.repeat_of_id,
        "assignments": _assignment_refs(assignments),
    }


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
        "attachments": p.attachments if isinstance(p.attachments, list) else [],
        "parent_key": p.parent_key,
        "published_at": p.published_at,
        "collected_at": p.collected_at,
        "account_id": p.account_id,
        "edited_at": p.edited_at,
        "deleted_at": p.deleted_at,
    }


def case_detail(case: Case | int, principal: Principal, assignments: list[Assignment] | None = None) -> dict[str, Any]:
    """The full case; pass a Case loaded with municipality, primary_post and topic (and, if
    loaded, all its assignments with their organizations) to save queries."""
    if not isinstance(case, Case):
        case = Case.objects.select_related("municipality", "primary_post", "topic").get(pk=case)
    if assignments is None:
        assignments = list(case.assignments.select_related("organization").order_by("pk"))
    row = case_row(case, [a for a in assignments if a.is_active], full_text=True)
    thread = list(case.posts.order_by("published_at", "pk"))
    publications = list(case.publications.order_by("pk"))
    if principal.user is not None:
        from otklik.cases.access import allowed_actions

        allowed = sorted(allowed_actions(principal.user, case, assignments=assignments, publications=publications))
    else:
        allowed = []
    row.update(
        {
            "excluded_comment": case.excluded_comment,
            "dismissed_reason": case.dismissed_reason,
            "significant_reason": case.significant_reason,
            "closed_at": case.closed_at,
            "message": _post(case.primary_post) if case.primary_post else None,
            "thread": [_post(p) for p in thread],
            "assignments_full": [
                {
                    "id": a.pk,
                    "organization_id": a.organization_id,
                    "organization": a.organization.short_name,
                    "role": a.role,
                    "status": a.status,
                    "is_active": a.is_active,
                    "assigned_at": a.assigned_at,
                    "return_reason": a.return_reason,
                    "returned_at": a.returned_at,
                    "info_text": a.info_text,
                    "info_submitted_at": a.info_submitted_at,
                    "info_remarks": a.info_remarks,
                    "forwarded_at": a.forwarded_at,
                }
                for a in assignments
            ],
            "drafts": [
                {
                    "id": d.pk,
                    "kind": d.kind,
                    "text": d.text,
                    "attachments": d.attachments if isinstance(d.attachments, list) else [],
                    "version": d.version,
                    "organization_id": d.organization_id,
                    "author_id": d.author_id,
                    "submitted_at": d.submitted_at,
                    "outcome": d.outcome,
                    "reviewed_at": d.reviewed_at,
                    "remarks": d.remarks,
                }
                for d in case.drafts.order_by("version")
            ],
            "publications": [
                {
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
                for p in publications
            ],
            "deadlines": [
                {
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
                for d in case.deadlines.order_by("started_at", "pk")
            ],
            "events": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "actor_id": e.actor_id,
                    "data": e.data if isinstance(e.data, dict) else {"value": e.data},
                    "created_at": e.created_at,
                }
                for e in case.events.order_by("created_at", "pk")
            ],
            "allowed_actions": allowed,
        }
    )
    return row
