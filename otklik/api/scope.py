"""What a principal may see: people through ``otklik.cases.access``, service tokens by municipality.

Endpoints never filter cases themselves: they ask here, and here people's rights are
delegated to ``visible_cases`` / ``access_case`` (the one door).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet

from otklik.api.auth import Principal
from otklik.api.errors import ApiError
from otklik.cases.access import access_case, visible_cases
from otklik.cases.errors import NotVisible
from otklik.cases.models import Assignment, Case, Draft, Publication
from otklik.directory.models import Membership, Municipality
from otklik.directory.roles import scope_of

NOT_FOUND = "Обращение не найдено."
Part = TypeVar("Part", Assignment, Draft, Publication)


def cases_for(principal: Principal, *, permission: str = "read") -> QuerySet[Case]:
    if principal.service is not None:
        service = principal.require_service(permission)
        return Case.objects.filter(municipality_id=service.municipality_id)
    return visible_cases(principal.user)


def case_for(
    principal: Principal, case_id: int, *, for_action: str = "view", queryset: QuerySet[Case] | None = None
) -> Case:
    """The case (from ``queryset``, if given), if the principal may see it (and do
    ``for_action``); NotVisible (404) otherwise. A service token's only right to a case is
    its municipality, and it has no right to act."""
    if principal.service is not None and for_action != "view":
        principal.require_user()  # refused before any lookup
    qs = queryset if queryset is not None else Case.objects.select_related("municipality", "primary_post", "topic")
    case = qs.filter(pk=case_id).first() if -(2**63) <= case_id < 2**63 else None
    if case is None:
        raise NotVisible(NOT_FOUND)
    if principal.service is not None:
        if case.municipality_id != principal.require_service("read").municipality_id:
            raise NotVisible(NOT_FOUND)
        return case
    return access_case(principal.user, case, for_action=for_action)


_NOT_FOUND = {
    Assignment: "Назначение не найдено.",
    Draft: "Проект ответа не найден.",
    Publication: "Публикация не найдена.",
}


def part_for(principal: Principal, model: type[Part], pk: int, *, for_action: str) -> Part:
    """An assignment, draft or publication, if the principal may see its case (and do ``for_action``)."""
    found = model.objects.filter(pk=pk).first() if -(2**63) <= pk < 2**63 else None
    if found is None:
        raise NotVisible(_NOT_FOUND[model])
    case_for(principal, found.case_id, for_action=for_action)
    return found


def municipalities_for(principal: Principal) -> QuerySet[Municipality]:
    """Municipalities whose directory (organizations, accounts, profile, calendar) the principal may read."""
    if principal.service is not None:
        service = principal.require_service("read")
        return Municipality.objects.filter(pk=service.municipality_id)
    scope = scope_of(principal.user)
    if scope.is_superuser or scope.global_observer:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=set(scope.roles_by_municipality))


def municipality_for(principal: Principal, slug: str) -> Municipality:
    municipality = municipalities_for(principal).filter(slug=slug).first()
    if municipality is None:
        raise ApiError(404, "not_found", "Муниципалитет не найден или недоступен.")
    return municipality


def user_roles(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "role": m.role,
            "organization_id": m.organization_id,
            "municipality": m.municipality.slug if m.municipality else None,
        }
        for m in Membership.objects.filter(user=user).select_related("municipality")
    ]
