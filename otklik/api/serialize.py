"""Cases as the API shows them: a list row and the full detail, each in a fixed number of queries."""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import JSONField, QuerySet
from django.db.models.functions import Left
from django.http import HttpResponse
from django.utils.translation import get_language

from otklik.api import pgjson
from otklik.api.auth import Principal
from otklik.api.scope import case_with_assignments
from otklik.api.shapes import ASSIGNMENT, ASSIGNMENT_REF, CASE_ROW, COLLECTIONS, LIST_TEXT, POST
from otklik.cases.models import Assignment, Case, Post
from otklik.cases.workflow import Status

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
    return [{key: _follow(a, path) for key, path in ASSIGNMENT_REF.items()} for a in assignments]


# A list row's columns are read with ``values_list()`` (shapes.CASE_ROW): a page of 50 cases
# as model instances (case, post, topic, municipality) cost more than every query together.


def list_rows(cases: QuerySet[Case], due: str, limit: int) -> pgjson.ListPage:
    """The first ``limit`` cases of an ordered queryset, in its order, rendered in Python (every
    database but PostgreSQL, which keeps the rows rendered: ``pgjson.list_page_sql``): ``due``
    names the deadline the queryset is sorted by (for the next page's cursor)."""
    rows = reference_rows(cases, due, limit + 1)
    shown = rows[:limit]
    last_id, last_due = (shown[-1][0], shown[-1][1]) if len(shown) == limit else (None, None)
    return pgjson.ListPage(
        b",".join(row for _, _, row in shown), len(rows), last_id, last_due.isoformat() if last_due else None
    )


def reference_rows(cases: QuerySet[Case], due: str, limit: int) -> list[tuple[int, Any, bytes]]:
    """``list_rows`` built in Python (SQLite; on PostgreSQL the tests' reference)."""
    keys = (*CASE_ROW, "text_head", "due")
    rows = cases.annotate(text_head=Left("primary_post__text", LIST_TEXT)).values_list(
        *CASE_ROW.values(), "text_head", due
    )[:limit]
    by_id = {row[0]: dict(zip(keys, row, strict=True)) for row in rows}
    if not by_id:
        return []
    refs: dict[int, list[dict[str, Any]]] = {pk: [] for pk in by_id}
    active = (
        Assignment.objects.filter(case_id__in=by_id, is_active=True)
        .order_by("case_id", "pk")
        .values_list("case_id", *ASSIGNMENT_REF.values())
    )
    for case_id, *fields in active:
        refs[case_id].append(dict(zip(ASSIGNMENT_REF, fields, strict=True)))
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


@cache
def _labels(language: str | None) -> tuple[dict[str, str], str]:
    """``{status: label}`` in ``language``, and the same as JSON (for PostgreSQL to look up).
    Labels are lazy translations: resolved once per language, not once per row."""
    labels = {s.value: str(s.label) for s in Status}
    return labels, orjson.dumps(labels).decode()


def labels_json() -> str:
    """The status labels in the current language, as JSON (for PostgreSQL to look up)."""
    return _labels(get_language())[1]


def _status_label(status: str) -> str:
    return _labels(get_language())[0][status]


def case_row(case: Case, assignments: list[Assignment], *, full_text: bool = False) -> dict[str, Any]:
    v = {key: _follow(case, path) for key, path in CASE_ROW.items()}
    text = _follow(case, "primary_post__text") or ""
    return _row(v, text if full_text else text[:LIST_TEXT], _assignment_refs(assignments))


def _follow(obj: Any, path: str) -> Any:
    """``obj.a.b`` for the ORM path ``a__b`` (None past a missing relation)."""
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _pick(obj: Any, spec: dict[str, str]) -> dict[str, Any]:
    """The fields of ``spec`` (a table of shapes.py) of a model instance."""
    out = {}
    model: Any = type(obj)
    for key, attname, is_json in _columns(model, tuple(spec.items())):
        value = getattr(obj, attname)
        out[key] = (value if isinstance(value, list) else []) if is_json else value
    return out


@cache
def _columns(model: Any, spec: tuple[tuple[str, str], ...]) -> list[tuple[str, str, bool]]:
    fields = [(key, model._meta.get_field(name)) for key, name in spec]
    return [(key, f.attname, isinstance(f, JSONField)) for key, f in fields]


def _post(p: Post) -> dict[str, Any]:
    return _pick(p, POST)


def case_detail_json(principal: Principal, case_id: int) -> bytes:
    """The case as ``case_detail`` shows it, as JSON, if the principal may see it (NotVisible
    otherwise). On PostgreSQL its collections (thread, drafts, publications, deadlines, events)
    are rendered by the database, and read in the same round trip as the case and its
    assignments."""
    if connections[router.db_for_read(Case)].vendor != "postgresql":
        case, assignments, _ = case_with_assignments(principal, case_id)
        return dumps(case_detail(case, principal, assignments))
    case, assignments, rows = case_with_assignments(principal, case_id, also=pgjson.detail_statement(case_id))
    collections, statuses = pgjson.detail_from_rows(rows)
    head = dumps(_detail_head(case, principal, assignments, statuses))
    # Two JSON objects joined into one: {head…} + {collections…} → {head…, collections…}.
    return head[:-1] + b"," + collections[1:]


def _detail_head(
    case: Case, principal: Principal, assignments: list[Assignment], publication_statuses: list[str]
) -> dict[str, Any]:
    row = case_row(case, [a for a in assignments if a.is_active], full_text=True)
    if principal.user is not None:
        from otklik.cases.access import allowed_actions

        allowed = sorted(
            allowed_actions(principal.user, case, assignments=assignments, publication_statuses=publication_statuses)
        )
    else:
        allowed = []
    row.update(
        {
            "excluded_comment": case.excluded_comment,
            "dismissed_reason": case.dismissed_reason,
            "significant_reason": case.significant_reason,
            "closed_at": case.closed_at,
            "message": _post(case.primary_post) if case.primary_post else None,
            "assignments_full": [{key: _follow(a, path) for key, path in ASSIGNMENT.items()} for a in assignments],
            "allowed_actions": allowed,
        }
    )
    return row


# What each collection's row shows beside its table in shapes.py.
_EXTRA: dict[str, Any] = {
    "deadlines": lambda d: {"is_violation": d.is_violation},
    "events": lambda e: {"data": e.data if isinstance(e.data, dict) else {"value": e.data}},
}


def case_detail(case: Case | int, principal: Principal, assignments: list[Assignment] | None = None) -> dict[str, Any]:
    """The full case; pass a Case loaded with municipality, primary_post and topic (and, if
    loaded, all its assignments with their organizations) to save queries."""
    if not isinstance(case, Case):
        case = Case.objects.select_related("municipality", "primary_post", "topic").get(pk=case)
    if assignments is None:
        assignments = list(case.assignments.select_related("organization").order_by("pk"))
    collections = {}
    for key, (related, spec, order) in COLLECTIONS.items():
        rows = getattr(case, related).order_by(*order)
        if related == "posts":
            rows = rows.defer("raw")  # the network's payload: never shown, can be large
        extra = _EXTRA.get(key)
        collections[key] = [{**_pick(r, spec), **(extra(r) if extra else {})} for r in rows]
    statuses = [p["status"] for p in collections["publications"]]
    return {**_detail_head(case, principal, assignments, statuses), **collections}
