"""The feed in a real browser: keys can be undone, bulk buttons check before they act."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.directory.models import Municipality
from otklik.web.tests.browser_helpers import People
from otklik.web.tests.helpers import incoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server, browser):  # type: ignore[no-untyped-def]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    people = People(browser, live_server.url)
    yield people
    people.close()


def feed(*texts: str) -> list[Case]:
    muni = Municipality.objects.get(slug="georgievsk")
    return [actions.do_register_post(muni, incoming(t)) for t in texts]


def status_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).status


def test_it_lets_a_key_press_be_undone(demo):
    first, second = feed("Яма на Ленина", "Реклама стройматериалов")
    page = demo.open("specialist", "/feed/")
    page.locator(f"#feed-{first.pk}").focus()
    page.keyboard.press("n")
    expect(page.locator(f"#feed-{first.pk} .undo-bar")).to_contain_text("через 10 с")
    page.keyboard.press("u")
    expect(page.locator(f"#feed-{first.pk} .undo-bar")).to_have_count(0)
    page.wait_for_timeout(1500)
    assert status_of(first) == "feed"

    page.locator(f"#feed-{second.pk}").focus()
    page.keyboard.press("n")
    page.click(f"#feed-{second.pk} .undo-now")
    expect(page.locator(f"#feed-{second.pk}")).to_have_count(0)
    assert status_of(second) == "dismissed"
    assert demo.problems == []


def test_it_asks_before_a_bulk_exclusion_and_says_when_nothing_is_ticked(demo):
    rude, other = feed("Вы все воры", "Нет света")
    page = demo.open("specialist", "/feed/")
    page.click("#bulk button[value=exclude]")
    expect(page.locator("#bulk .bulk-note")).to_contain_text("Ничего не отмечено")

    page.check(f"#feed-{rude.pk} input[type=checkbox]")
    page.select_option("#bulk select[name=bulk-reason_code]", "insult")
    demo.confirm = False
    page.click("#bulk button[value=exclude]")
    page.wait_for_timeout(500)
    assert demo.dialogs and "по п. 22" in demo.dialogs[0]
    assert status_of(rude) == "feed"

    demo.confirm = True
    page.click("#bulk button[value=exclude]")
    expect(page.locator("#main .messages")).to_contain_text("Исключено 1 обращение (п. 22)")
    assert status_of(rude) == "excluded" and status_of(other) == "feed"
    assert demo.problems == []


def test_it_hides_keyboard_hints_on_a_touch_screen(live_server, browser, cast):
    context = browser.new_context(has_touch=True, is_mobile=True, viewport={"width": 375, "height": 800})
    from django.conf import settings

    from otklik.web.tests.browser_helpers import freeze_browser, session_for

    freeze_browser(context)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_for("specialist"), "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/feed/")
    expect(page.locator(".kbd-help")).to_be_hidden()
    context.close()
