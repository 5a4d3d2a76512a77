"""Issue 18 §2 in the browser: after «Разместить» the card says the answer was sent and shows
the network's refusal when it arrives (htmx polling, no reload), at phone width."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from otklik.cases import actions, events
from otklik.cases.models import Case
from otklik.cases.tests.helpers import Clock, msk
from otklik.web.tests.helpers import review_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_card_shows_the_refusal_when_it_arrives(cast, live_server, browser, monkeypatch):
    monkeypatch.setitem(events._handlers, "publication_pending", [])  # the delivery is "on its way"
    with Clock(msk(2025, 3, 3, 10, 0)):
        case = review_case(cast)
        actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
        client = Client()
        client.force_login(cast.roads)
        context = browser.new_context(viewport={"width": 375, "height": 800}, locale="ru-RU")
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
              "url": live_server.url}]
        )  # fmt: skip
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        page.goto(f"{live_server.url}/cases/{case.pk}/")
        page.click('button[data-action="publish"]')
        expect(page.locator(".messages")).to_contain_text("Ответ отправлен в соцсеть")
        card = page.locator("#publication-card")
        expect(card).to_contain_text("Ждём подтверждения")

        publication = Case.objects.get(pk=case.pk).publications.get()
        actions.do_fail_publication(publication, error="ВКонтакте: комментарии к записи закрыты (код 213)")
        expect(card).to_contain_text("ВКонтакте: комментарии к записи закрыты (код 213)", timeout=15_000)
        expect(card.locator('button[data-action="publish-retry"]')).to_be_visible()
        card.locator("summary").click()
        expect(card.locator("#id_manual_url")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert problems == []
        context.close()
