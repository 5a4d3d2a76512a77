"""What a principal may see: people through ``otklik.cases.access``, service tokens by municipality.

Endpoints never filter cases themselves: they ask here, and here people's rights are
delegated to ``visible_cases`` / ``access_case`` (the one door).
"""

from __future__ import annotations

from typing import Any

from django.db import router
from django.db.models import QuerySet

from otklik.api.auth import Principal
from otklik.api.errors import ApiError
from otklik.api.loader import Loader
from otklik.api.pgjson import fetch_many
from otklik.cases.errors import NotVisible
from otklik.cases.models import Assignment, Case, Draft, Publication
from otklik.directory.models import Municipality
from otklik.directory.roles import scope_of

NOT_FOUND = "Обращение не найдено."
# The case with what every read of it shows (the network's raw payload of the post is never
# shown and can be large: left out), and a case's assignments with their organizations.
_CASE = Loader(Case, ("municipality", "primary_post", "topic"), defer=("primary_post.raw",))
_ASSIGNMENTS = Loader(Assignment, ("organization",), key="case", order=("id",))


def cases_for(principal: Principal, *, permission: str = "read") -> QuerySet[Case]:
    if principal.service is not None:
        service = principal.require_service(permission)
        return Case.objects.filter(municipality_id=service.municipality_id)
    from otklik.cases.access import visible_cases

    return visible_cases(principal.user)


def _case(principal: Principal, case_id: int) -> tuple[Case, bool]:
    """The case (with municipality, post without its raw payload, topic), and whether the
    principal is a service token — whose only right to a case is its municipality."""
    return _checked(principal, _CASE.one(case_id))


def _checked(principal: Principal, case: Case | None) -> tuple[Case, bool]:
    if case is None:
        raise NotVisible(NOT_FOUND)
    if principal.service is None:
        return case, False
    if case.municipality_id != principal.require_service("read").municipality_id:
        raise NotVisible(NOT_FOUND)
    return case, True


def case_with_assignments(
    principal: Principal, case_id: int, *, also: tuple[str, Any, bool] | None = None
) -> tuple[Case, list[Assignment], list[tuple[Any, ...]]]:
    """The case and all its assignments (with organizations), if the principal may see it, and
    the rows of ``also`` — a statement about the same case (``(sql, params, prepare)``), run in
    the same round trip and returned only once the case is known to be visible.

    For reads that show the assignments anyway: visibility is decided from the rows
    already loaded instead of another query.
    """
    using = router.db_for_read(Case)
    case_sql, assignments_sql = _CASE.statement(case_id, using), _ASSIGNMENTS.statement(case_id, using)
    if case_sql is None or assignments_sql is None:
        raise NotVisible(NOT_FOUND)
    found = fetch_many(using, [case_sql, assignments_sql, *([also] if also else [])])
    cases = _CASE.convert(found[0], using)
    case, by_service = _checked(principal, _CASE.build(cases[0], using) if cases else None)
    assignments = [_ASSIGNMENTS.build(values, using) for values in _ASSIGNMENTS.convert(found[1], using)]
    if not by_service:
        from otklik.cases.access import is_visible

        if not is_visible(principal.user, case, assignments=assignments):
            raise NotVisible(NOT_FOUND)
    return case, assignments, found[2] if also else []


def case_for(principal: Principal, case_id: int, *, for_action: str = "view") -> Case:
    """The case, if the principal may see it (and do ``for_action``); NotVisible (404) otherwise."""
    if principal.service is not None and for_action != "view":
        principal.require_user()  # a service token has no personal rights: refused before any lookup
    case, by_service = _case(principal, case_id)
    if by_service:
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
