"""Who holds which role where. The one place that reads Membership for access decisions.

Results are cached on the user object for the request, so a page asks once, and — with a
shared cache (Redis: ``REDIS_URL``) — across requests for ``OTKLIK_SCOPE_CACHE_SECONDS``:
every change of a membership or an organization (saved or deleted through the models)
changes a generation mark all processes compare against, so a change applies at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from otklik.directory.models import MUNICIPALITY_WIDE_ROLES, Membership, Organization, Role
from otklik.ops.cache import marks, new_mark


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


GENERATION_KEY = "otklik:scope:generation"


# Scopes this process has read, by user: (generation, state). Used when the caller already has
# the current generation (an API call reads it with the token's mark, in one round trip).
_local: dict[int, tuple[Any, tuple[Any, ...]]] = {}
_LOCAL_SIZE = 10_000


def scope_of(user, *, generation: Any = None) -> UserScope:  # type: ignore[no-untyped-def]
    """``generation``: the current value of :data:`GENERATION_KEY`, if the caller has read it
    (then a scope this process read under it is used without asking the shared cache)."""
    cached = getattr(user, "_otklik_scope", None)
    if cached is not None:
        return cached
    scope = UserScope(is_superuser=bool(getattr(user, "is_superuser", False)))
    if not getattr(user, "is_authenticated", False):
        return scope
    ttl = int(getattr(settings, "OTKLIK_SCOPE_CACHE_SECONDS", 0))
    key = f"otklik:scope2:{user.pk}"
    state: Any = None
    if ttl > 0:
        local = _local.get(user.pk)
        if generation is not None and local is not None and local[0] == generation:
            state = local[1]
        else:
            found = cache.get_many([key, GENERATION_KEY])
            (generation,) = marks([GENERATION_KEY], found)
            entry = found.get(key)
            if entry is not None and entry[0] == generation:
                state = entry[1]
    if state is None:
        state = _read(user)
        if ttl > 0 and generation is not None:
            cache.set(key, (generation, state), timeout=ttl)
    if ttl > 0 and generation is not None:
        if len(_local) >= _LOCAL_SIZE:
            _local.clear()
        _local[user.pk] = (generation, state)
    roles, org_ids, responsible_ids, observer = state
    # Copies: the state may be kept and shared by other requests.
    scope.roles_by_municipality = {m: set(r) for m, r in roles.items()}
    scope.organization_ids, scope.global_observer = set(org_ids), observer
    scope.responsible_org_ids = set(responsible_ids)
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


def directory_changed(**_: Any) -> None:
    """A membership or an organization changed: every cached scope is out of date."""
    if int(getattr(settings, "OTKLIK_SCOPE_CACHE_SECONDS", 0)) > 0:
        new_mark(GENERATION_KEY)


for _model in (Membership, Organization):
    post_save.connect(directory_changed, sender=_model, dispatch_uid=f"scope-{_model.__name__}-save")
    post_delete.connect(directory_changed, sender=_model, dispatch_uid=f"scope-{_model.__name__}-delete")


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
