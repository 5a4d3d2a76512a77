"""Лента and Входящие in the navigation, with counts (registered in WebConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from otklik.directory.models import Role
from otklik.directory.roles import scope_of
from otklik.web import queries
from otklik.web.context_processors import NavItem


def works_feed(user) -> bool:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.all_roles & {Role.SPECIALIST, Role.COORDINATOR})


def has_any_role(user) -> bool:  # type: ignore[no-untyped-def]
    scope = scope_of(user)
    return scope.is_superuser or bool(scope.all_roles)


# Inbox views whose cases are already counted in another view (returned cases wait for routing).
PART_OF_ANOTHER_VIEW = frozenset({"returned"})


def writes_answers(user) -> bool:  # type: ignore[no-untyped-def]
    """Who works with answer templates: not the Head and the regional centre, who only read."""
    writers = {Role.SPECIALIST, Role.COORDINATOR, Role.EXECUTOR, Role.ORG_RESPONSIBLE}
    return bool(scope_of(user).all_roles & writers)


def case_sections(request: HttpRequest) -> list[NavItem]:
    user = request.user
    if not has_any_role(user):
        return []
    counts = queries.nav_counts(user)
    total = sum(n for key, n in counts.items() if key not in PART_OF_ANOTHER_VIEW)
    items = [NavItem("Входящие", "/inbox/", min(total, queries.COUNT_CAP + 1), key="inbox")]
    if works_feed(user):
        items.append(NavItem("Лента", "/feed/", queries.feed_count(user), key="feed"))
    if writes_answers(user):
        items.append(NavItem("Шаблоны ответов", "/answer-templates/", None, key="answer_templates"))
    return items


def admin_section(request: HttpRequest) -> list[NavItem]:
    """«Администрирование» for those who may enter the admin (last in the navigation)."""
    user = request.user
    return [NavItem("Администрирование", "/admin/", key="admin")] if user.is_active and user.is_staff else []
