"""Reference data: municipalities, organizations, official accounts, regulation profile, calendar."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema
from pydantic import AwareDatetime

from otklik.api.auth import ApiRequest
from otklik.api.errors import ApiError, ErrorOut
from otklik.api.schemas import (
    AccountOut,
    CalendarAddOut,
    CalendarBetweenOut,
    MunicipalityOut,
    OrganizationOut,
    ProfileOut,
)
from otklik.api.scope import municipalities_for, municipality_for
from otklik.cases import params
from otklik.directory.models import OfficialAccount, Organization
from otklik.regulation.services import active_profile, calendar_for
from otklik.worktime import WorkingCalendar, parse_duration

router = Router(tags=["Справочники"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


@router.get("/municipalities", response={200: list[MunicipalityOut], **ERRORS}, summary="Муниципалитеты")
def list_municipalities(request: ApiRequest) -> list[dict]:
    """Муниципалитеты, в которых у вызывающего есть роль (наблюдателю ЦУР — все)."""
    return [
        {"id": m.pk, "slug": m.slug, "name": m.name, "timezone": m.timezone}
        for m in municipalities_for(request.auth).order_by("name")
    ]


@router.get(
    "/municipalities/{slug}/organizations",
    response={200: list[OrganizationOut], **ERRORS},
    summary="Организации муниципалитета",
)
def list_organizations(request: ApiRequest, slug: str) -> list[dict]:
    """Дерево организаций муниципалитета (плоским списком с parent_id)."""
    m = municipality_for(request.auth, slug)
    return [
        {
            "id": o.pk,
            "municipality": m.slug,
            "parent_id": o.parent_id,
            "kind": o.kind,
            "name": o.name,
            "short_name": o.short_name,
            "is_active": o.is_active,
        }
        for o in Organization.objects.filter(municipality=m).order_by("pk")
    ]


@router.get(
    "/municipalities/{slug}/accounts",
    response={200: list[AccountOut], **ERRORS},
    summary="Официальные аккаунты (п. 6)",
)
def list_accounts(request: ApiRequest, slug: str) -> list[dict]:
    """Официальные аккаунты организаций муниципалитета. Учётные данные аккаунтов не выдаются никогда."""
    m = municipality_for(request.auth, slug)
    return [
        {
            "id": a.pk,
            "organization_id": a.organization_id,
            "network": a.network,
            "name": a.name,
            "url": a.url,
            "external_id": a.external_id,
            "is_public": a.is_public,
            "is_active": a.is_active,
        }
        for a in OfficialAccount.objects.filter(organization__municipality=m).order_by("pk")
    ]


@router.get(
    "/municipalities/{slug}/profile", response={200: ProfileOut, **ERRORS}, summary="Действующий профиль регламента"
)
def get_profile(request: ApiRequest, slug: str) -> dict:
    """Сроки этапов действующего профиля регламента муниципалитета."""
    m = municipality_for(request.auth, slug)
    profile = active_profile(m)
    return {
        "municipality": m.slug,
        "name": profile.name,
        "stages": [
            {"stage": limit.stage, "value": limit.limit_value, "unit": limit.limit_unit}
            for limit in profile.limits.order_by("pk")
        ],
        "extra": {"source": profile.source},
    }


class CalendarQuery(Schema):
    municipality: str | None = Field(
        None, max_length=64, description="Код муниципалитета (по умолчанию — общий календарь РФ)"
    )


class AddQuery(CalendarQuery):
    start: AwareDatetime = Field(..., description="Начало отсчёта, ISO 8601 с часовым поясом")
    duration: str = Field(..., max_length=32, description="30m, 1h, 1h30m (рабочее время), 7d (рабочие дни), 90cm")


class BetweenQuery(CalendarQuery):
    start: AwareDatetime
    end: AwareDatetime


def _calendar(request: ApiRequest, slug: str | None):  # type: ignore[no-untyped-def]
    if slug:
        return calendar_for(municipality_for(request.auth, slug))

    return _default_calendar(WorkingCalendar)


_DEFAULT: list = []


def _default_calendar(cls):  # type: ignore[no-untyped-def]
    if not _DEFAULT:
        _DEFAULT.append(cls.russia())
    return _DEFAULT[0]


def _check_range(*moments: dt.datetime) -> None:
    for t in moments:
        params.check_moment(t)


@router.get("/calendar/add", response={200: CalendarAddOut, **ERRORS}, summary="Срок: момент + длительность")
def calendar_add(request: ApiRequest, q: Query[AddQuery]) -> dict:
    """Момент, наступающий через `duration` рабочего времени после `start`, по календарю муниципалитета
    (производственный календарь РФ, график работы, местные исключения)."""
    _check_range(q.start)
    try:
        duration = parse_duration(q.duration)
    except ValueError as exc:
        raise ApiError(400, "validation_failed", str(exc)) from None
    if duration.value > 100_000:
        raise ApiError(400, "validation_failed", "Слишком большая длительность.")
    cal = _calendar(request, q.municipality)
    try:
        result = cal.add(q.start, duration)
    except (ValueError, OverflowError, IndexError):
        result = None  # beyond what the calendar can count
    if result is None or not params.MIN_MOMENT <= result < params.MAX_MOMENT:
        raise ApiError(400, "validation_failed", "Срок выходит за пределы рабочего календаря (2000–2099 годы).")
    return {"start": q.start, "duration": str(duration), "result": result, "timezone": cal.tz_name}


@router.get("/calendar/between", response={200: CalendarBetweenOut, **ERRORS}, summary="Рабочее время между моментами")
def calendar_between(request: ApiRequest, q: Query[BetweenQuery]) -> dict:
    """Рабочее время в промежутке [start, end) по календарю муниципалитета; отрицательное, если end раньше start."""
    _check_range(q.start, q.end)
    cal = _calendar(request, q.municipality)
    delta = cal.between(q.start, q.end)
    seconds = int(delta.total_seconds())
    return {
        "start": q.start,
        "end": q.end,
        "working_seconds": seconds,
        "working_minutes": round(delta.total_seconds() / 60, 2),
        "timezone": cal.tz_name,
    }
