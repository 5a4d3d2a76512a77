"""What a principal may see: people through ``otklik.cases.access``, service tokens by municipality.

Endpoints never filter cases themselves: they ask here, and here people's rights are
delegated to ``visible_cases`` / ``access_case`` (the one door).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from otklik.api.auth import Principal
from otklik.api.errors import ApiError
from otklik.cases.errors import NotVisible
from otklik.cases.models import Assignment, Case, Draft, Publication
from otklik.directory.models import Municipality
from otklik.directory.roles import scope_of

NOT_FOUND = "Обращение не найдено."


def cases_for(principal: Principal, *, permission: str = "read") -> QuerySet[Case]:
    if principal.service is not None:
        service = principal.require_service(permission)
        return Case.objects.filter(municipality_id=service.municipality_id)
    from otklik.cases.access import visible_cases

    return _planner_hint(visible_cases(principal.user), principal.user)


def _planner_hint(qs: QuerySet[Case], user: Any) -> QuerySet[Case]:
    """For a person who sees cases only through their organizations, add the condition
    ``visible_cases`` already implies, in a shape PostgreSQL turns into primary-key lookups.

    ``EXISTS(assignment of my organizations)`` alone is planned as a semi-join over a scan of
    every case (0.7–1 s on a million); ``id = ANY(ARRAY(SELECT case_id …))`` is evaluated once
    and probes the primary key. The set of cases is unchanged (see bench/api.py and the notes).
    """
    if connection.vendor != "postgresql":
        return qs
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer or scope.municipality_wide_ids() or not scope.organization_ids:
        return qs
    # Names come from the models, values go as parameters.
    case_id = f'"{Case._meta.db_table}"."id"'
    a = Assignment._meta
    inner = f'SELECT "{a.get_field("case").column}" FROM "{a.db_table}" WHERE "{a.get_field("organization").column}"'  # noqa: S608
    sql = f"{case_id} = ANY(ARRAY({inner} = ANY(%s)))"  # noqa: S608
    return qs.extra(where=[sql], params=[sorted(scope.organization_ids)])  # noqa: S610


def case_for(principal: Principal, case_id: int, *, for_action: str = "view") -> Case:
    """The case, if the principal may see it (and do ``for_action``); NotVisible (404) otherwise."""
    case = Case.objects.select_related("municipality", "primary_post", "topic").filter(pk=case_id).first()
    if case is None:
        raise NotVisible(NOT_FOUND)
    if principal.service is not None:
        if for_action != "view":
            principal.require_user()
        service = principal.require_service("read")
        if case.municipality_id != service.municipality_id:
            raise NotVisible(NOT_FOUND)
        return case
    from otklik.cases.access import access_case

    return access_case(principal.user, case, for_action=for_action)


def assignment_for(principal: Principal, assignment_id: int, *, for_action: str) -> Assignment:
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        raise NotVisible("Назначение не найдено.")
    case_for(principal, assignment.case_id, for_action=for_action)
    return assignment


def draft_for(principal: Principal, draft_id: int, *, for_action: str) -> Draft:
    draft = Draft.objects.filter(pk=draft_id).first()
    if draft is None:
        raise NotVisible("Проект ответа не найден.")
    case_for(principal, draft.case_id, for_action=for_action)
    return draft


def publication_for(principal: Principal, publication_id: int, *, for_action: str) -> Publication:
    publication = Publication.objects.filter(pk=publication_id).first()
    if publication is None:
        raise NotVisible("Публикация не найдена.")
    case_for(principal, publication.case_id, for_action=for_action)
    return publication


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
    from otklik.directory.models import Membership

    return [
        {
            "role": m.role,
            "organization_id": m.organization_id,
            "municipality": m.municipality.slug if m.municipality else None,
        }
        for m in Membership.objects.filter(user=user).select_related("municipality")
    ]
