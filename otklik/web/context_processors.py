"""Navigation for the base layout: which sections this user has, with counts.

Apps add sections by appending to NAV_PROVIDERS (a callable(request) -> list of
NavItem); the layout never needs to know about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass
class NavItem:
    title: str
    url: str
    count: int | None = None
    key: str = ""


NAV_PROVIDERS: list[Callable[[HttpRequest], list[NavItem]]] = []


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "help_url": "/help/"}
    from otklik.web.guide import page_of

    items: list[NavItem] = []
    for provider in NAV_PROVIDERS:
        items.extend(provider(request))
    return {"nav_items": items, "help_url": f"/help/{page_of(user)}/"}
