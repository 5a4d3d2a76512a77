"""Helpers for the browser walks: one logged-in browser context per demo user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

DEMO_PASSWORD = "otklik-demo"


def freeze_browser(context: Any) -> Any:
    """Freeze ``Date`` in the pages of a Playwright context at the server's (frozen) now."""
    context.clock.set_fixed_time(timezone.now())
    return context


def session_for(username: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class People:
    """``people.page("specialist")`` — a page of a context where that demo user is logged in."""

    def __init__(self, browser: Any, base_url: str, *, viewport: dict[str, int] | None = None) -> None:
        self.browser = browser
        self.base = base_url
        self.viewport = viewport or {"width": 1280, "height": 900}
        self.pages: dict[str, Page] = {}
        self.problems: list[str] = []
        # None: an unexpected dialog is a problem (and dismissed); True/False: accept/dismiss it.
        self.confirm: bool | None = None
        self.dialogs: list[str] = []

    def _dialog(self, dialog: Any) -> None:
        if self.confirm is None:
            self.problems.append(f"dialog: {dialog.message}")
            dialog.dismiss()
        else:
            self.dialogs.append(dialog.message)
            dialog.accept() if self.confirm else dialog.dismiss()

    def page(self, username: str) -> Page:
        if username not in self.pages:
            context = freeze_browser(
                self.browser.new_context(viewport=self.viewport, locale="ru-RU", timezone_id="Europe/Moscow")
            )
            page = context.new_page()
            page.on("dialog", self._dialog)
            page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
            page.on(
                "response",
                lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )
            page.on(
                "console",
                lambda m: (
                    self.problems.append(f"console {m.type}: {m.text} ({m.location.get('url')})")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            if not self.pages:
                # The first person logs in through the form like anybody would ...
                page.goto(f"{self.base}/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", DEMO_PASSWORD)
                page.click("button[type=submit]")
                expect(page).not_to_have_url(f"{self.base}/login/")
            else:
                # ... the others get a session directly: the login form is not what is tested, and
                # every form login costs seconds on a busy 2-core machine.
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": session_for(username), "url": self.base}]
                )
            self.pages[username] = page
        return self.pages[username]

    def open(self, username: str, path: str) -> Page:
        page = self.page(username)
        page.goto(f"{self.base}{path}")
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def done(page: Page, text: str) -> None:
    """Wait for the success message an action leaves (after an htmx swap or a redirect)."""
    expect(page.locator("#main .messages")).to_contain_text(text)
