"""Who holds which role where. The one place that reads Membership for access decisions.

Results are cached on the user object for the request (two queries), so a page asks once;
nothing is kept across requests, so a change of a membership applies at the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from otklik.directory.models import MUNICIPALITY_WIDE_ROLES, Membership, Organization, Role


@dataclass
class UserScope:
    """Everything access checks need to know about one user, read in two queries."""

    roles_by_municipality: dict[int, set[str]] = field(default_factory=dict)
    # Organizations whose cases the user sees and works on: an executor's own organizations;
    # an org_responsible's organizations with everything below them (§7).
    organization_ids: set[int] = field(default_factory=set)
    # Organizations where the user is org_responsible, with everything below them: whose cases
    # they assign to a named executor.
    responsible_org_ids: set[int] = field(default_factory=set)
    global_observer: bool = False
    is_superuser: bool = False

    def roles_in(self, municipality_id: int) -> set[str]:
        roles = set(self.roles_by_municipality.get(municipality_id, set()))
        if self.global_observer:
            roles.add(Role.OBSERVER)
        return roles

    def has_role(self, municipality_id: int, *roles: str) -> bool:
        return bool(self.roles_in(municipality_id) & set(roles))

    def municipality_wide_ids(self) -> set[int]:
        """Municipalities where the user sees every case."""
        return {m for m, roles in self.roles_by_municipality.items() if roles & MUNICIPALITY_WIDE_ROLES}

    @property
    def all_roles(self) -> set[str]:
        out: set[str] = set()
        for roles in self.roles_by_municipality.values():
            out |= roles
        if self.global_observer:
            out.add(Role.OBSERVER)
        return out


def scope_of(user: Any) -> UserScope:
    """The user's roles and organizations, read once per request (kept on the user object)."""
    cached = getattr(user, "_otklik_scope", None)
    if cached is not None:
        return cached
    scope = UserScope(is_superuser=bool(getattr(user, "is_superuser", False)))
    if not getattr(user, "is_authenticated", False):
        return scope
    roles, org_ids, responsible_ids, observer = _read(user)
    scope.roles_by_municipality, scope.organization_ids, scope.global_observer = roles, org_ids, observer
    scope.responsible_org_ids = responsible_ids
    user._otklik_scope = scope
    return scope


def _read(user: Any) -> tuple[dict[int, set[str]], set[int], set[int], bool]:
    """A user's roles by municipality, the organizations whose cases they see (an executor's own;
    an org_responsible's with those below them), those they are responsible for, and whether a
    global observer, from the memberships."""
    roles: dict[int, set[str]] = {}
    executor_org_ids: set[int] = set()
    responsible_org_ids: set[int] = set()
    observer = False
    for role, org_id, muni_id in Membership.objects.filter(user=user).values_list(
        "role", "organization_id", "municipality_id"
    ):
        if role == Role.OBSERVER and muni_id is None:
            observer = True
            continue
        if muni_id is not None:
            roles.setdefault(muni_id, set()).add(role)
        if role == Role.EXECUTOR and org_id is not None:
            executor_org_ids.add(org_id)
        elif role == Role.ORG_RESPONSIBLE and org_id is not None:
            responsible_org_ids.add(org_id)
    below = descendants_of(responsible_org_ids) if responsible_org_ids else set()
    return roles, executor_org_ids | below, below, observer


def descendants_of(org_ids: set[int]) -> set[int]:
    ids = set(org_ids)
    frontier = set(org_ids)
    while frontier:
        children = set(Organization.objects.filter(parent_id__in=frontier).order_by().values_list("pk", flat=True))
        frontier = children - ids
        ids |= frontier
    return ids


def forget_scope(user) -> None:  # type: ignore[no-untyped-def]
    if hasattr(user, "_otklik_scope"):
        del user._otklik_scope
