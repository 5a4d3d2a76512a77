"""Case reads: the list with the inbox's filters and cursor pagination, and the full detail."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from otklik.api.auth import ApiRequest
from otklik.api.errors import ApiError, ErrorOut
from otklik.api.schemas import CaseDetail, CasePage
from otklik.api.scope import cases_for
from otklik.api.serialize import case_detail, json_response, list_items, list_rows
from otklik.cases.queries import Filters, InvalidCursor, inbox, keyset_page, views_for
from otklik.cases.workflow import Status

router = Router(tags=["Обращения"])

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
    q: str | None = NinjaField(
        None,
        max_length=200,
        description="Поиск: номер обращения, слова из текста или адреса, имя автора, ссылка на сообщение",
    )
    limit: int = NinjaField(50, ge=1, le=200, description="Размер страницы")
    cursor: str | None = NinjaField(None, max_length=200, description="Курсор из next_cursor предыдущей страницы")
    order: Literal["deadline", "-created"] = NinjaField(
        "deadline", description="deadline — ближайший срок первым; -created — новые первыми"
    )


def _filters(f: CaseFilters) -> Filters:
    return Filters(**f.model_dump(include={field.name for field in dataclasses.fields(Filters)}, exclude_none=True))


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="Список обращений")
def list_cases(request: ApiRequest, filters: Query[CaseFilters]) -> HttpResponse:
    """Обращения, видимые вызывающему (как во «Входящих»), с фильтрами и постраничным курсором.

    Порядок по умолчанию — ближайший срок первым. Сервисному токену нужен право `read`;
    он видит обращения своего муниципалитета.
    """
    principal = request.auth
    user = principal.user
    if filters.view:
        keys = [v.key for v in views_for(user)]
        if filters.view not in keys:
            raise ApiError(
                400, "validation_failed", f"Представление «{filters.view}» недоступно; доступны: {', '.join(keys)}."
            )
    service_cases = cases_for(principal) if user is None else None
    qs = inbox(
        user,
        filters.view,
        _filters(filters),
        timezone.now(),
        timezone.get_current_timezone(),
        cases=service_cases,
        order=filters.order,
    )
    try:
        page, next_cursor = keyset_page(list_rows(qs), filters.cursor or "", filters.limit, filters.order)
    except InvalidCursor:
        raise ApiError(400, "invalid_cursor", "Некорректный курсор: возьмите его из next_cursor.") from None
    return json_response({"items": list_items(page), "next_cursor": next_cursor or None})


@router.get("/cases/{int:case_id}", response={200: CaseDetail, **ERRORS}, summary="Обращение")
def get_case(request: ApiRequest, case_id: int) -> HttpResponse:
    """Обращение целиком: сообщение и ветка, назначения, проекты ответов, публикации, сроки,
    журнал событий и действия, доступные вызывающему сейчас. 404 — если обращение не видно."""
    return json_response(case_detail(request.auth, case_id))
