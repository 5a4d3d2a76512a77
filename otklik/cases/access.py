"""One door for access to cases (CONVENTIONS.md "One door for access").

- Specialists and coordinators see and act on every case of their municipality.
- Executors see the cases with an assignment (active or past) of their own organizations;
  org_responsible also those of the organizations below theirs (§7). Both act only on their
  own organizations' parts; org_responsible alone assigns a part to a named executor.
- Head and observer (per municipality, or everywhere) read only.
- Superusers see everything but act only through the roles they hold.

Pages map :class:`NotVisible` to 404 and :class:`ActionForbidden` to 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from otklik.cases.errors import ActionForbidden, NotVisible
from otklik.cases.models import Assignment, Case, Draft, Publication
from otklik.cases.workflow import CLOSED_STATUSES, Status
from otklik.directory.models import Role
from otklik.directory.roles import UserScope, scope_of

ACTIONS = frozenset(
    {
        "detect",
        "route",
        "assign_person",
        "return_assignment",
        "submit_info",
        "approve_info",
        "return_info",
        "proceed_without_co",
        "submit_draft",
        "approve_draft",
        "return_draft",
        "publish",
        "confirm_publication",
        "exclude",
        "dismiss",
        "mark_repeat",
        "flag_significant",
        "set_topic",
        "mark_unsatisfactory",
        "share_answer",
    }
)

# §3: what the regional centre (observer) may do — nothing else.
OBSERVER_ACTIONS = frozenset({"mark_unsatisfactory"})

# What the administration's people (§8–9, 12–13, 17–18, 22, 24) may do on their municipality's cases.
SPECIALIST_ACTIONS = frozenset(
    {
        "detect",
        "route",
        "approve_info",
        "return_info",
        "proceed_without_co",
        "approve_draft",
        "return_draft",
        "publish",
        "confirm_publication",
        "exclude",
        "dismiss",
        "mark_repeat",
        "share_answer",
        "flag_significant",
        "set_topic",
    }
)
SPECIALIST_ROLES = (Role.SPECIALIST, Role.COORDINATOR)
EXECUTOR_ROLES = (Role.EXECUTOR, Role.ORG_RESPONSIBLE)

# What an executor may do, and on which kind of its own assignment (§10, §11, §14–16, §18).
EXECUTOR_ACTIONS: dict[str, frozenset[str]] = {
    "return_assignment": frozenset({Assignment.Role.SOLE, Assignment.Role.LEAD, Assignment.Role.CO}),
    "submit_info": frozenset({Assignment.Role.CO}),
    "submit_draft": frozenset({Assignment.Role.SOLE, Assignment.Role.LEAD}),
    "publish": frozenset({Assignment.Role.SOLE, Assignment.Role.LEAD}),
}

OUTSTANDING_CO = frozenset(
    {
        Assignment.AssignmentStatus.ASSIGNED,
        Assignment.AssignmentStatus.INFO_SUBMITTED,
        Assignment.AssignmentStatus.INFO_RETURNED,
    }
)


class InSubquery(Func):
    """``lhs IN (subquery)``, written for PostgreSQL as ``lhs = ANY(ARRAY(subquery))``.

    PostgreSQL plans ``IN``/``EXISTS`` over a large table as a semi-join that scans every
    case (0.7–1 s on a million); ``ANY(ARRAY(...))`` is evaluated once and becomes index
    probes. An expression rather than raw SQL, so it stays correct when the queryset is
    itself used as a subquery (its table is then re-aliased). Only for a condition that
    is not OR-ed with another: as a per-row filter the array would be searched linearly.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, lhs: Any, subquery: QuerySet[Any]) -> None:
        super().__init__(lhs, Subquery(subquery))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, sub = self.get_source_expressions()
        lhs_sql, lhs_params = compiler.compile(lhs)
        sub_sql, sub_params = compiler.compile(sub)
        if connection.vendor == "postgresql":
            return f"{lhs_sql} = ANY(ARRAY{sub_sql})", [*lhs_params, *sub_params]
        return f"{lhs_sql} IN {sub_sql}", [*lhs_params, *sub_params]


def visible_cases(user: Any) -> QuerySet[Case]:
    """Every case ``user`` may see (for lists); one query, no DISTINCT."""
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer:
        return Case.objects.all()
    wide = scope.municipality_wide_ids()
    if not wide and not scope.organization_ids:
        return Case.objects.none()
    if not scope.organization_ids:
        return Case.objects.filter(municipality_id__in=wide)
    if not wide:
        # Only through organizations (executors): the case ids come from the assignments.
        mine = Assignment.objects.filter(organization_id__in=sorted(scope.organization_ids)).values("case_id")
        return Case.objects.filter(InSubquery(F("pk"), mine))
    own = Assignment.objects.filter(case=OuterRef("pk"), organization_id__in=scope.organization_ids)
    return Case.objects.filter(Q(municipality_id__in=wide) | Q(Exists(own)))


def single_organization(user: Any) -> int | None:
    """The one organization through which ``user`` sees cases, when that is all they see
    (an executor of one organization without sub-organizations); None otherwise."""
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer or scope.municipality_wide_ids():
        return None
    if len(scope.organization_ids) != 1:
        return None
    return next(iter(scope.organization_ids))


def is_visible(user: Any, case: Case, *, assignments: list[Assignment] | None = None) -> bool:
    """Whether ``user`` may see ``case``; pass the case's assignments (all of them) if loaded."""
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer:
        return True
    if case.municipality_id in scope.municipality_wide_ids():
        return True
    if not scope.organization_ids:
        return False
    if assignments is not None:
        return any(a.organization_id in scope.organization_ids for a in assignments)
    return Assignment.objects.filter(case_id=case.pk, organization_id__in=scope.organization_ids).exists()


def access_case(user: Any, case: Case, *, for_action: str = "view") -> Case:
    """Return ``case`` if ``user`` may see it (and, unless ``view``, has the right to ``for_action``).

    Only rights are checked here, not the case's state: an action on a case in the wrong
    state raises InvalidTransition in the action itself.
    """
    if for_action != "view" and for_action not in ACTIONS:
        raise ValueError(f"unknown action {for_action!r}")
    if not is_visible(user, case):
        raise NotVisible("Обращение не найдено.")
    if for_action == "view":
        return case
    if not has_right(user, case, for_action):
        raise ActionForbidden(_forbidden_message(scope_of(user), case))
    return case


def _forbidden_message(scope: UserScope, case: Case) -> str:
    if scope.roles_in(case.municipality_id) and scope.roles_in(case.municipality_id) <= {Role.HEAD, Role.OBSERVER}:
        return "У вашей роли только просмотр: действия с обращением недоступны."
    return "Недостаточно прав для этого действия с обращением."


def has_right(user: Any, case: Case, action: str, *, assignment: Assignment | None = None) -> bool:
    """Whether ``user``'s roles allow ``action`` on ``case`` (optionally on one ``assignment``)."""
    scope = scope_of(user)
    if action in SPECIALIST_ACTIONS and scope.has_role(case.municipality_id, *SPECIALIST_ROLES):
        return True
    if action == "assign_person":
        return _may_assign(scope, case, assignment)
    if action in OBSERVER_ACTIONS:
        return scope.has_role(case.municipality_id, Role.OBSERVER)
    roles_for = EXECUTOR_ACTIONS.get(action)
    if roles_for is None or not scope.organization_ids:
        return False
    if not scope.has_role(case.municipality_id, *EXECUTOR_ROLES):
        return False
    if assignment is not None:
        return (
            assignment.case_id == case.pk
            and assignment.is_active
            and assignment.role in roles_for
            and assignment.organization_id in scope.organization_ids
        )
    return Assignment.objects.filter(
        case_id=case.pk, is_active=True, role__in=roles_for, organization_id__in=scope.organization_ids
    ).exists()


def _may_assign(scope: UserScope, case: Case, assignment: Assignment | None) -> bool:
    """§7: the organization's responsible gives its part of a case to a named executor."""
    if not scope.responsible_org_ids or not scope.has_role(case.municipality_id, Role.ORG_RESPONSIBLE):
        return False
    if assignment is not None:
        return (
            assignment.case_id == case.pk
            and assignment.is_active
            and assignment.organization_id in scope.responsible_org_ids
        )
    return Assignment.objects.filter(
        case_id=case.pk, is_active=True, organization_id__in=scope.responsible_org_ids
    ).exists()


def allowed_actions(
    user: Any,
    case: Case,
    *,
    assignments: list[Assignment] | None = None,
    publication_statuses: list[str] | None = None,
) -> set[str]:
    """The actions the page should offer ``user`` on ``case`` now (rights and state both).

    A caller that has already loaded the case's assignments (all of them, active or not)
    and the statuses of its publications passes them, and nothing is queried again.
    """
    if not is_visible(user, case, assignments=assignments):
        return set()
    scope = scope_of(user)
    if assignments is None:
        active = list(Assignment.objects.filter(case_id=case.pk, is_active=True))
    else:
        active = [a for a in assignments if a.is_active]
    status = case.status
    outstanding_co = [a for a in active if a.role == Assignment.Role.CO and a.status in OUTSTANDING_CO]
    has_lead = any(a.role == Assignment.Role.LEAD for a in active)
    out: set[str] = set()

    if scope.has_role(case.municipality_id, *SPECIALIST_ROLES):
        if status == Status.FEED:
            out.add("detect")
        if status in (Status.NEW, Status.ASSIGNED):
            out.add("route")
        if status == Status.ASSIGNED:
            if any(a.status == Assignment.AssignmentStatus.INFO_SUBMITTED for a in outstanding_co):
                out |= {"approve_info", "return_info"}
            if has_lead and outstanding_co:
                out.add("proceed_without_co")
        if status == Status.REVIEW:
            out |= {"approve_draft", "return_draft"}
        if status == Status.APPROVED and not _publication_in_flight(case, publication_statuses):
            out.add("publish")
        if status not in CLOSED_STATUSES and not _publication_in_flight(case, publication_statuses):
            out.add("exclude")  # §22: at any stage before the final answer is published
        if status in (Status.FEED, Status.NEW):
            out.add("dismiss")
        if case.repeat_of_id is None:
            out.add("mark_repeat")
        elif status in (Status.NEW, Status.ASSIGNED, Status.REVIEW, Status.REVISION) and _earlier_answer_approved(case):
            out.add("share_answer")
        if not case.is_significant:
            out.add("flag_significant")
        if status not in CLOSED_STATUSES:
            out.add("set_topic")

    if status == Status.ANSWERED and scope.has_role(case.municipality_id, Role.OBSERVER):
        out.add("mark_unsatisfactory")

    if scope.organization_ids and scope.has_role(case.municipality_id, *EXECUTOR_ROLES):
        mine = [a for a in active if a.organization_id in scope.organization_ids]
        main_mine = [a for a in mine if a.role in (Assignment.Role.SOLE, Assignment.Role.LEAD)]
        if status == Status.ASSIGNED:
            if any(a.status == Assignment.AssignmentStatus.ASSIGNED for a in mine):
                out.add("return_assignment")
            if any(
                a.role == Assignment.Role.CO
                and a.status in (Assignment.AssignmentStatus.ASSIGNED, Assignment.AssignmentStatus.INFO_RETURNED)
                for a in mine
            ):
                out.add("submit_info")
            if main_mine and not outstanding_co:
                out.add("submit_draft")
        if status in (Status.REVISION, Status.INTERMEDIATE) and main_mine:
            out.add("submit_draft")
        if status == Status.APPROVED and main_mine and not _publication_in_flight(case, publication_statuses):
            out.add("publish")
        if status not in CLOSED_STATUSES and any(a.organization_id in scope.responsible_org_ids for a in active):
            out.add("assign_person")
    return out


def _earlier_answer_approved(case: Case) -> bool:

    latest = Draft.objects.filter(case_id=case.repeat_of_id or 0).order_by("-version").values("kind", "outcome").first()
    return latest == {"kind": Draft.Kind.FINAL, "outcome": Draft.Outcome.APPROVED}


def _publication_in_flight(case: Case, statuses: list[str] | None = None) -> bool:
    """A pending answer is in flight unless it is stuck (then it may be sent again or posted by hand)."""
    if statuses is not None and "pending" not in statuses:
        return False
    return case.publications.filter(Publication.in_flight(timezone.now())).exists()
