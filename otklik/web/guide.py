"""«Справка»: the user guide (docs/guide/*.md, Russian) served inside the application.

A municipality's network may have no way out to the internet, so the guide is rendered
here from the Markdown files in the repository (``OTKLIK_GUIDE_DIR``), images included.
Headings may carry an anchor as ``## Входящие {#inbox}``; every page of the application
links to its role's page and section.
"""

from __future__ import annotations

import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from otklik.directory.models import Role
from otklik.directory.roles import scope_of

# Guide pages in the order of the index: (slug, title).
PAGES = [
    ("kak-nachat", "Как начать (администратору)"),
    ("specialist", "Ответственный специалист"),
    ("executor", "Исполнитель"),
    ("org-responsible", "Ответственный в организации"),
    ("coordinator", "Координатор"),
    ("head", "Глава"),
    ("cur", "ЦУР (наблюдатель)"),
    ("admin", "Администратор"),
]
TITLES = dict(PAGES)
# A person's own page: the first of their roles in this order.
ROLE_PAGES = [
    (Role.SPECIALIST, "specialist"),
    (Role.COORDINATOR, "coordinator"),
    (Role.ORG_RESPONSIBLE, "org-responsible"),
    (Role.EXECUTOR, "executor"),
    (Role.HEAD, "head"),
    (Role.OBSERVER, "cur"),
]
_ANCHOR = re.compile(r"\s*\{#([a-z0-9-]+)\}\s*$")
_IMAGE = re.compile(r"^[a-z0-9-]+\.(png|jpg)$")


def guide_dir() -> Path:
    return Path(settings.OTKLIK_GUIDE_DIR)


def page_of(user: Any) -> str:
    """The guide page for this person's role (the administrator's for staff without a role)."""
    roles = scope_of(user).all_roles
    for role, slug in ROLE_PAGES:
        if role in roles:
            return slug
    return "admin" if getattr(user, "is_staff", False) else "specialist"


def _anchors(md: MarkdownIt) -> None:
    """``## Title {#id}`` → ``<h2 id="id">Title</h2>``."""

    def rule(state: Any) -> None:
        tokens = state.tokens
        for i, token in enumerate(tokens[:-1]):
            if token.type != "heading_open":
                continue
            inline = tokens[i + 1]
            found = _ANCHOR.search(inline.content)
            if found:
                token.attrSet("id", found.group(1))
                inline.content = inline.content[: found.start()]
                if inline.children:
                    last = inline.children[-1]
                    last.content = _ANCHOR.sub("", last.content)

    md.core.ruler.push("heading_anchors", rule)


def _images(md: MarkdownIt) -> None:
    """Images of the guide (``img/x.jpg``) are served by ``guide_image``."""
    default = md.renderer.rules.get("image")  # type: ignore[attr-defined]

    def image(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        src = tokens[idx].attrGet("src") or ""
        if src.startswith("img/"):
            tokens[idx].attrSet("src", "/help/" + src)
        tokens[idx].attrSet("loading", "lazy")
        return default(tokens, idx, options, env) if default else renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("image", image)


@lru_cache(maxsize=32)
def _render(path: str, mtime: float) -> str:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    _anchors(md)
    _images(md)
    html = md.render(Path(path).read_text(encoding="utf-8"))
    # Links between guide pages: «specialist.md#inbox» → «/help/specialist/#inbox».
    return re.sub(r'href="([a-z0-9-]+)\.md(#[a-z0-9-]+)?"', lambda m: f'href="/help/{m[1]}/{m[2] or ""}"', html)


def render_page(slug: str) -> SafeString | None:
    path = guide_dir() / f"{slug}.md"
    if slug not in TITLES or not path.is_file():
        return None
    return mark_safe(_render(str(path), path.stat().st_mtime))  # our own docs; raw HTML in them is escaped


def help_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/help.html",
        {"pages": PAGES, "mine": page_of(request.user) if request.user.is_authenticated else "", "body": None},
    )


def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    body = render_page(slug)
    if body is None:
        raise Http404("Такой страницы справки нет.")
    return render(request, "web/help.html", {"pages": PAGES, "slug": slug, "title": TITLES[slug], "body": body})


def guide_image(request: HttpRequest, name: str) -> FileResponse:
    path = guide_dir() / "img" / name
    if not _IMAGE.match(name) or not path.is_file():
        raise Http404("Нет такого изображения.")
    response = FileResponse(path.open("rb"), content_type=mimetypes.guess_type(name)[0])
    response["Cache-Control"] = "max-age=3600"
    return response
