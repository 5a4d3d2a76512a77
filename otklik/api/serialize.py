"""Cases as the API shows them: a list row and the full detail, each in a fixed number of queries."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import QuerySet
from django.db.models.functions import Left
from django.http import HttpResponse
from django.utils.translation import get_language

from otklik.api import pgjson
from otklik.api.auth import Principal
from otklik.cases.models import Assignment, Case, Post
from otklik.cases.workflow import Status

LIST_TEXT = pgjson.LIST_TEXT


_ENCODER = DjangoJSONEncoder()


def json_response(data: Any) -> HttpResponse:
    """Render an already-shaped payload without a second pass through pydantic.

    The hot reads (case list and detail) build plain dicts that match their response
    schema; validating them again per request cost more than the queries. The schema
    stays in the OpenAPI document, and the tests (and schemathesis) check conformance.
    orjson writes datetimes as RFC 3339 (UTC as ``Z``) itself; anything else it does not
    know (lazy translations, decimals, durations) goes through Django's encoder.
    """
    return HttpResponse(dumps(data), content_type="application/json; charset=utf-8")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_ENCODER.default, option=orjson.OPT_UTC_Z)


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


# A list row's columns, read with ``values()``: a page of 50 cases as model instances (case,
# post, topic, municipality) cost more than every query of the request together.
ROW_VALUES = {
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
ASSIGNMENT_VALUES = {
    "id": "id",
    "organization_id": "organization_id",
    "organization": "organization__short_name",
    "role": "role",
    "status": "status",
}


def list_rows(
    cases: QuerySet[Case], due: str, order: str, limit: int, *, prepare: bool = False
) -> list[tuple[int, Any, bytes]]:
    """The first ``limit`` cases of an ordered queryset, in its order, as ``(id, sort
    deadline, row JSON)``: ``due`` names the deadline the queryset is sorted by.

    PostgreSQL renders the rows itself in one query (``pgjson.list_page``); elsewhere two
    queries (the cases with their post, topic and municipality; their active assignments).
    """
    if connections[cases.db].vendor == "postgresql":
        return pgjson.list_page(cases.values_list("pk", due)[:limit], order, _labels_json(), prepare=prepare)
    return reference_rows(cases, due, limit)


def reference_rows(cases: QuerySet[Case], due: str, limit: int) -> list[tuple[int, Any, bytes]]:
    """``list_rows`` built in Python (SQLite; on PostgreSQL the tests' reference)."""
    keys = (*ROW_VALUES, "text_head", "due")
    rows = cases.annotate(text_head=Left("primary_post__text", LIST_TEXT)).values_list(
        *ROW_VALUES.values(), "text_head", due
    )[:limit]
    by_id = {row[0]: dict(zip(keys, row, strict=True)) for row in rows}
    if not by_id:
        return []
    refs: dict[int, list[dict[str, Any]]] = {pk: [] for pk in by_id}
    active = (
        Assignment.objects.filter(case_id__in=by_id, is_active=True)
        .order_by("case_id", "pk")
        .values_list("case_id", *ASSIGNMENT_VALUES.values())
    )
    for case_id, *fields in active:
        refs[case_id].append(dict(zip(ASSIGNMENT_VALUES, fields, strict=True)))
    return [(pk, v["due"], dumps(_row(v, v["text_head"], refs[pk]))) for pk, v in by_id.items()]


def _row(v: dict[str, Any], text: str | None, assignments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": v["id"],
        "municipality": v["municipality"],
        "status": v["status"],
        "status_label": _status_label(v["status"]),
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


def _labels_json() -> str:
    """``{status: label}`` in the current language, as JSON (for PostgreSQL to look up)."""
    language = get_language()
    text = _LABELS_JSON.get(language)
    if text is None:
        text = _LABELS_JSON[language] = orjson.dumps({s.value: str(s.label) for s in Status}).decode()
    return text


_LABELS_JSON: dict[str | None, str] = {}


def _status_label(status: str) -> str:
    # Labels are lazy translations: resolve each once per language, not once per row.
    key = (status, get_language())
    label = _LABELS.get(key)
    if label is None:
        label = _LABELS[key] = str(Status(status).label)
    return label


_LABELS: dict[tuple[str, str | None], str] = {}


def case_row(case: Case, assignments: list[Assignment], *, full_text: bool = False) -> dict[str, Any]:
    post: Post | None = case.primary_post
    v = {
        "id": case.pk,
        "municipality": case.municipality.slug,
        "status": case.status,
        "version": case.version,
        "network": post.network if post else None,
        "source_key": post.source_key if post else None,
        "url": post.url if post else None,
        "author_name": post.author_name if post else None,
        "published_at": post.published_at if post else None,
        "created_at": case.created_at,
        "detected_at": case.detected_at,
        "routed_at": case.routed_at,
        "answered_at": case.answered_at,
        "next_due_at": case.next_due_at,
        "topic_id": case.topic_id,
        "topic_name": case.topic.name if case.topic else None,
        "is_significant": case.is_significant,
        "excluded_reason": case.excluded_reason,
        "repeat_of": case.repeat_of_id,
    }
    text = post.text if post else ""
    return _row(v, text if full_text else text[:LIST_TEXT], _assignment_refs(assignments))


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


def case_detail_json(case: Case, principal: Principal, assignments: list[Assignment]) -> bytes:
    """``case_detail`` as JSON; on PostgreSQL its collections (thread, drafts, publications,
    deadlines, events) are rendered by the database in one query instead of five."""
    if connections[case._state.db or "default"].vendor != "postgresql":
        return dumps(case_detail(case, principal, assignments))
    collections, statuses = pgjson.detail_collections(case.pk, case._state.db or "default")
    head = dumps(_detail_head(case, principal, assignments, [SimpleNamespace(status=s) for s in statuses]))
    # Two JSON objects joined into one: {head…} + {collections…} → {head…, collections…}.
    return head[:-1] + b"," + collections[1:]


def _detail_head(case: Case, principal: Principal, assignments: list[Assignment], publications: list[Any]) -> dict:
    row = case_row(case, [a for a in assignments if a.is_active], full_text=True)
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
            "allowed_actions": allowed,
        }
    )
    return row


def case_detail(case: Case | int, principal: Principal, assignments: list[Assignment] | None = None) -> dict[str, Any]:
    """The full case; pass a Case loaded with municipality, primary_post and topic (and, if
    loaded, all its assignments with their organizations) to save queries."""
    if not isinstance(case, Case):
        case = Case.objects.select_related("municipality", "primary_post", "topic").get(pk=case)
    if assignments is None:
        assignments = list(case.assignments.select_related("organization").order_by("pk"))
    thread = list(case.posts.defer("raw").order_by("published_at", "pk"))
    publications = list(case.publications.order_by("pk"))
    row = _detail_head(case, principal, assignments, publications)
    row.update(
        {
            "thread": [_post(p) for p in thread],
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
        }
    )
    return row
