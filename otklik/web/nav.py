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


def case_sections(request: HttpRequest) -> list[NavItem]:
    user = request.user
    if not has_any_role(user):
        return []
    counts = queries.nav_counts(user)
    items = [NavItem("Входящие", "/inbox/", min(sum(counts.values()), queries.COUNT_CAP + 1), key="inbox")]
    if works_feed(user):
        items.append(NavItem("Лента", "/feed/", queries.feed_count(user), key="feed"))
    items.append(NavItem("Шаблоны ответов", "/answer-templates/", None, key="answer_templates"))
    return items
