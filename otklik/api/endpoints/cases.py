"""Case reads: the list with the inbox's filters and cursor pagination, and the full detail."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Literal

from django.db import connections
from django.db import router as db_router
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from otklik.api import pgjson
from otklik.api.auth import ApiRequest, Principal
from otklik.api.errors import ApiError, ErrorOut
from otklik.api.keptsql import KeptQueries
from otklik.api.schemas import CaseDetail, CasePage
from otklik.api.scope import cases_for
from otklik.api.serialize import case_detail_json, dumps, labels_json, list_rows
from otklik.cases import params
from otklik.cases.access import single_organization
from otklik.cases.errors import ValidationFailed
from otklik.cases.models import Assignment, Case
from otklik.cases.workflow import CLOSED_STATUSES, Status
from otklik.directory.roles import scope_of

router = Router(tags=["Обращения"])

OPEN_STATUSES = [s for s in Status.values if s not in CLOSED_STATUSES and s != Status.FEED]
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class CaseFilters(Schema):
    """The inbox's filters (see /inbox/): every one optional, combined with AND."""

    view: str | None = NinjaField(
        None,
        max_length=32,
        description="Представление «Входящих» для роли вызывающего: route, returned, review, coinfo, assigned, "
        "revision, approved, intermediate, overdue, significant, all",
    )
    status: Status | None = NinjaField(None, description="Статус обращения")
    network: str | None = NinjaField(None, max_length=16, description="Соцсеть: vk, ok, telegram, …")
    topic: int | None = NinjaField(None, description="Тема (id)")
    organization: int | None = NinjaField(None, description="Организация-исполнитель (id, активное назначение)")
    municipality: str | None = NinjaField(None, max_length=64, description="Код муниципалитета")
    date_from: dt.date | None = NinjaField(None, description="Создано не раньше (дата)")
    date_to: dt.date | None = NinjaField(None, description="Создано не позже (дата)")
    overdue: bool | None = NinjaField(None, description="Только просроченные")
    significant: bool | None = NinjaField(None, description="Только социально значимые (п. 24)")
    excluded: bool | None = NinjaField(None, description="Только исключённые (п. 22)")
    q: str | None = NinjaField(None, max_length=200, description="Поиск по тексту сообщения")
    limit: int = NinjaField(50, ge=1, le=200, description="Размер страницы")
    cursor: str | None = NinjaField(None, max_length=200, description="Курсор из next_cursor предыдущей страницы")
    order: Literal["deadline", "-created"] = NinjaField(
        "deadline", description="deadline — ближайший срок первым; -created — новые первыми"
    )


def _apply_view(qs: QuerySet[Case], principal: Principal, key: str, now: dt.datetime) -> QuerySet[Case]:
    """The inbox's views, from the pages' own query module (one definition of each view)."""
    from otklik.web.queries import READER_VIEWS, view_filter, views_for

    views = READER_VIEWS if principal.user is None else views_for(principal.user)
    keys = [v.key for v in views]
    if key not in keys:
        raise ApiError(400, "validation_failed", f"Представление «{key}» недоступно; доступны: {', '.join(keys)}.")
    return qs.filter(view_filter(principal.user, key, now))


def _apply_filters(qs: QuerySet[Case], f: CaseFilters, principal: Principal, now: dt.datetime) -> QuerySet[Case]:
    tz = timezone.get_current_timezone()
    if f.view:
        qs = _apply_view(qs, principal, f.view, now)
    if f.status:
        qs = qs.filter(status=f.status)
    else:
        qs = qs.exclude(status=Status.FEED)  # like the inbox: the feed is a list of its own (?status=feed)
    if f.network:
        qs = qs.filter(primary_post__network=f.network)
    if f.topic is not None:
        qs = qs.filter(topic_id=f.topic)
    if f.organization is not None:
        qs = qs.filter(
            Exists(Assignment.objects.filter(case=OuterRef("pk"), organization_id=f.organization, is_active=True))
        )
    if f.municipality:
        qs = qs.filter(municipality__slug=f.municipality)
    params.check_period(f.date_from, f.date_to)
    if f.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if f.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, next_due_at__lt=now)
    if f.significant:
        qs = qs.filter(is_significant=True)
    if f.excluded:
        qs = qs.filter(status=Status.EXCLUDED)
    if f.q:
        qs = qs.filter(primary_post__text__icontains=f.q)
    return qs


def _encode(values: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> dict:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(data, dict):
            raise ValueError
        params.check_id(data.get("id"))  # JSON true is an int to Python, not an id
        if data.get("d") is not None:
            d = dt.datetime.fromisoformat(data["d"])
            params.check_moment(d if d.tzinfo else d.replace(tzinfo=dt.UTC))  # SQLite rows give naive UTC
            data["d"] = d
        return data
    except (ValueError, TypeError, UnicodeDecodeError, ValidationFailed):
        raise ApiError(400, "invalid_cursor", "Некорректный курсор: возьмите его из next_cursor.") from None


def _query(principal: Principal, f: CaseFilters, now: dt.datetime, cursor: dict | None) -> tuple[QuerySet[Case], str]:
    """The page's cases, ordered and after the cursor, and the name of the deadline they are
    ordered by."""
    # An executor of one organization, nearest deadline first, is read in the order of that
    # organization's CaseOrganization index (its copy of next_due_at), so a page costs one
    # index range instead of sorting every case the organization ever had.
    org = single_organization(principal.user) if principal.user is not None and f.order == "deadline" else None
    qs: QuerySet[Case]
    if org is not None:
        # One join, named, so the order and the cursor use the same row (filter() on a
        # multi-valued relation would otherwise join it again, once per call).
        link = FilteredRelation("organization_links", condition=Q(organization_links__organization_id=org))
        qs = _apply_filters(Case.objects.annotate(link=link).filter(link__isnull=False), f, principal, now)
        due = "link__next_due_at"
    else:
        qs = _apply_filters(cases_for(principal), f, principal, now)
        due = "next_due_at"
    if f.order == "-created":
        qs = qs.order_by("-pk")
        if cursor:
            qs = qs.filter(pk__lt=cursor["id"])
    else:
        qs = qs.order_by(F(due).asc(nulls_last=True), "-pk")
        if cursor:
            if cursor.get("d") is None:
                qs = qs.filter(**{f"{due}__isnull": True}, pk__lt=cursor["id"])
            else:
                d = cursor["d"]
                qs = qs.filter(
                    Q(**{f"{due}__gt": d}) | Q(**{due: d}, pk__lt=cursor["id"]) | Q(**{f"{due}__isnull": True})
                )
    return qs, due


def _page(principal: Principal, f: CaseFilters) -> tuple[bytes, str | None]:
    now = timezone.now()
    cursor = _decode(f.cursor) if f.cursor else None
    # Text search and date ranges are the filters whose best plan depends on their values: those
    # pages are planned afresh each time, every other page by a plan kept on the connection.
    steady = not (f.q or f.date_from or f.date_to)
    if connections[db_router.db_for_read(Case)].vendor == "postgresql":
        page = _stored_page(principal, f, now, cursor, steady)
    else:
        qs, due = _query(principal, f, now, cursor)
        page = list_rows(qs, due, f.limit)
    if page.found <= f.limit or page.last_id is None:
        return page.items, None
    values: dict = {"id": page.last_id}
    if f.order == "deadline":
        values["d"] = page.last_due
    return page.items, _encode(values)


# ---- the page query, built once per caller and filters (keptsql.py) -----------------------
#
# The page's SQL depends only on who asks (their roles) and the filters; the time and the
# cursor's position are parameters.

_KEPT = KeptQueries(
    (
        {
            "now": dt.datetime(1901, 1, 1, 0, 0, 0, 101_101, tzinfo=dt.UTC),
            "d": dt.datetime(1901, 1, 2, 0, 0, 0, 202_202, tzinfo=dt.UTC),
            "id": -9_101_101_101,
        },
        {
            "now": dt.datetime(1902, 1, 1, 0, 0, 0, 303_303, tzinfo=dt.UTC),
            "d": dt.datetime(1902, 1, 2, 0, 0, 0, 404_404, tzinfo=dt.UTC),
            "id": -9_202_202_202,
        },
    )
)


def _shape(principal: Principal, f: CaseFilters, cursor: dict | None) -> tuple:
    """Everything the page query depends on, except the time and the cursor's position."""
    if principal.user is None:
        service = principal.require_service("read")
        who: tuple = ("service", service.pk, service.municipality_id)
    else:
        scope = scope_of(principal.user)
        roles = tuple(sorted((m, tuple(sorted(r))) for m, r in scope.roles_by_municipality.items()))
        orgs = tuple(sorted(scope.organization_ids))
        who = ("user", principal.user.pk, scope.is_superuser, scope.global_observer, roles, orgs)
    filters = tuple(sorted(f.model_dump(exclude={"cursor"}).items()))
    position = None if cursor is None else ("d" if cursor.get("d") is not None else "id")
    return (db_router.db_for_read(Case), who, filters, position)


def _compile(principal: Principal, f: CaseFilters, now: dt.datetime, cursor: dict | None) -> tuple[str, list] | None:
    qs, due = _query(principal, f, now, cursor)
    return pgjson.page_query(qs.values_list("pk", due)[: f.limit + 1])


def _stored_page(
    principal: Principal, f: CaseFilters, now: dt.datetime, cursor: dict | None, steady: bool
) -> pgjson.ListPage:
    def build(v: dict) -> tuple[str, list] | None:
        at = None if cursor is None else {"id": v["id"], "d": v["d"] if cursor.get("d") is not None else None}
        return _compile(principal, f, v["now"], at)

    values = {"now": now, "id": cursor["id"] if cursor else None, "d": cursor.get("d") if cursor else None}
    return _run(_KEPT.query(_shape(principal, f, cursor), build, values), f, steady)


def _run(compiled: tuple | None, f: CaseFilters, steady: bool) -> pgjson.ListPage:
    if compiled is None:
        return pgjson.ListPage(b"", 0, None, None)
    sql, params = compiled
    return pgjson.list_page_sql(sql, params, f.order, labels_json(), f.limit, prepare=steady)


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="Список обращений")
def list_cases(request: ApiRequest, filters: Query[CaseFilters]) -> HttpResponse:
    """Обращения, видимые вызывающему (как во «Входящих»), с фильтрами и постраничным курсором.

    Порядок по умолчанию — ближайший срок первым. Сервисному токену нужен право `read`;
    он видит обращения своего муниципалитета.
    """
    items, next_cursor = _page(request.auth, filters)
    # The rows arrive as JSON already (see serialize.list_rows): the page is assembled around them.
    body = b'{"items":[' + items + b'],"next_cursor":' + dumps(next_cursor) + b"}"
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/cases/{int:case_id}", response={200: CaseDetail, **ERRORS}, summary="Обращение")
def get_case(request: ApiRequest, case_id: int) -> HttpResponse:
    """Обращение целиком: сообщение и ветка, назначения, проекты ответов, публикации, сроки,
    журнал событий и действия, доступные вызывающему сейчас. 404 — если обращение не видно."""
    return HttpResponse(case_detail_json(request.auth, case_id), content_type="application/json; charset=utf-8")
