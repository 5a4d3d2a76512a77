"""Issue 18: four people in four browsers drive a case from detection to the final answer, each
told what to do next only by their notifications and the pages — no address typed after login."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.cases.tests.helpers import Clock, msk
from otklik.directory.models import Municipality, Organization
from otklik.web.tests.browser_helpers import People, done
from otklik.web.tests.helpers import incoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = msk(2026, 11, 30, 10, 0)  # a plain working morning


@pytest.fixture
def office(live_server, browser):  # type: ignore[no-untyped-def]
    with Clock(MONDAY) as clock:
        call_command("seed_demo", stdout=open("/dev/null", "w"))
        people = People(browser, live_server.url)
        people.clock = clock  # type: ignore[attr-defined]
        yield people
        people.close()
    assert people.problems == []


def org(short_name: str) -> Organization:
    return Organization.objects.get(municipality__slug="georgievsk", short_name=short_name)


def status_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).status


def home(people: People, username: str) -> Page:
    """The person's browser, at their start page: logged in once, then only clicks."""
    page = people.page(username)
    if page.url == "about:blank":
        page.goto(f"{people.base}/")
    return page


def follow_notification(page: Page, text: str) -> None:
    """Open the bell from the navigation and click the newest notification saying ``text``."""
    page.click("nav a:has-text('Уведомления')")
    link = page.locator("ul.notifications a.case-link", has_text=text).first
    expect(link).to_be_visible()
    link.click()
    expect(page.locator(".case-title")).to_be_visible()


def test_four_people_walk_a_case_by_what_they_are_told(office):
    roads, blago = org("Управление дорог"), org("МБУ «Благоустройство»")
    case = actions.do_register_post(
        Municipality.objects.get(slug="georgievsk"),
        incoming("На Гагарина, 12 упало дерево прямо в яму на дороге, не проехать", author_name="Ольга Н."),
    )

    # §9.1, §9.2 — the specialist finds it in the feed, detects it and routes it to «Благоустройство».
    page = home(office, "specialist")
    page.click("nav a:has-text('Лента')")
    page.click(f"#feed-{case.pk} a.case-link")
    page.click("[data-action=detect]")
    done(page, "Отмечено как требующее реакции")
    page.check(f"#route-org-{blago.pk}")
    page.click("[data-action=route]")
    done(page, "Направлено исполнителю")

    # §10 — «Благоустройство» returns it: the road is not theirs.
    office.clock.advance(minutes=10)
    page = home(office, "blago")
    follow_notification(page, f"Новое обращение №{case.pk}")
    page.click("details.action summary:has-text('Вернуть')")
    page.locator("form[id^=form-return_assignment] textarea").fill(
        "Яма на дороге — не наша; дерево уберём, если поручат."
    )
    page.click("[data-action=return_assignment]")
    done(page, "Возвращено")
    assert status_of(case) == "new"

    # The coordinator is told at once, with the reason, and routes it to a lead and a co-executor.
    office.clock.advance(minutes=5)
    page = home(office, "coordinator")
    follow_notification(page, f"Обращение №{case.pk} возвращено исполнителем")
    expect(page.locator(".events")).to_contain_text("Яма на дороге — не наша")
    page.check(f"#route-org-{roads.pk}")
    page.check(f"#route-org-{blago.pk}")
    page.check(f"#route-lead-{roads.pk}")
    page.click("[data-action=route]")
    done(page, "Направлено исполнителю")

    # §18 — the co-executor sends its part; the specialist approves and forwards it.
    office.clock.advance(minutes=20)
    page = home(office, "blago")
    follow_notification(page, "(соисполнитель)")
    page.locator("form[id^=form-submit_info] textarea[name$=-text]").fill("Дерево уберём сегодня до 17:00.")
    page.click("[data-action=submit_info]")
    done(page, "Информация направлена")
    office.clock.advance(minutes=10)
    page = home(office, "specialist")
    follow_notification(page, "Информация соисполнителя")
    page.click("[data-action=approve_info]")
    done(page, "Информация соисполнителя согласована")

    # §11 — the lead learns the part is in and by when the draft is due, and drafts.
    office.clock.advance(minutes=5)
    page = home(office, "roads")
    follow_notification(page, "Информация соисполнителя получена — срок проекта ответа до 11:45")
    expect(page.locator(".coinfo")).to_contain_text("Дерево уберём")
    page.fill("#id_text", "Здравствуйте! Дерево уберут сегодня до 17:00, яму засыплем до пятницы.")
    page.click("[data-action=submit_draft]")
    done(page, "Проект ответа отправлен на согласование")

    # §12 — the specialist is told a draft waits, and approves it.
    office.clock.advance(minutes=10)
    page = home(office, "specialist")
    follow_notification(page, "ждёт согласования")
    page.click("[data-action=approve_draft]")
    done(page, "Проект ответа согласован")

    # §16 — the lead is told to publish by the §16 deadline, posts it and pastes the link.
    office.clock.advance(minutes=5)
    page = home(office, "roads")
    follow_notification(page, "Проект согласован — разместите ответ до 15:15")
    page.fill("#form-publish input[name=external_url]", "https://vk.com/wall-200001_77?reply=5")
    page.click("[data-action=publish]")
    done(page, "Ответ размещён")
    assert status_of(case) == "answered"
    expect(page.locator(".case-title .status")).to_have_text("Ответ размещён")


def test_the_new_pages_fit_a_phone(office, artifacts_dir):
    zhkh = org("Управление ЖКХ")
    from django.contrib.auth.models import User

    specialist = User.objects.get(username="specialist")
    case = actions.do_register_post(
        Municipality.objects.get(slug="georgievsk"), incoming("В подъезде на Ленина, 5 течёт крыша", author_name="Пётр")
    )
    actions.do_route_case(actions.do_detect_case(case, acting_user=specialist), [zhkh], acting_user=specialist)
    page = home(office, "zhkh_chief")
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        for path in (f"/cases/{case.pk}/", "/absences/", "/inbox/?view=mine"):
            page.goto(f"{office.base}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
    page.goto(f"{office.base}/cases/{case.pk}/")
    page.locator("form[id^=form-assign_person] select").select_option(label="Марина Коваленко")
    page.click("[data-action=assign_person]")
    done(page, "Исполнитель назначен")
    expect(page.locator(".assignee")).to_contain_text("Марина Коваленко")
    page.screenshot(path=f"{artifacts_dir}/case-assign-375.png", full_page=True)


def test_the_coordinator_signs_the_monthly_report_from_the_notification_on_a_phone(office, artifacts_dir):
    from otklik.reports.models import MonthlyReport
    from otklik.reports.services import generate_due

    december_1st = office.clock.set(msk(2026, 12, 1, 10, 0))
    generate_due(december_1st)  # November's report is made and waits for the coordinator until the 5th
    page = home(office, "coordinator")
    page.set_viewport_size({"width": 375, "height": 800})
    page.click("nav a:has-text('Уведомления')")
    page.locator("ul.notifications a.case-link", has_text="прокомментируйте и подпишите").first.click()
    expect(page.locator(".signoff")).to_contain_text("Ожидает комментария и подписи координатора")
    page.wait_for_load_state("load")  # measure with the stylesheets applied
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 380)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, wide
    page.fill(".signoff textarea[name=comment]", "Нарушений по дорогам стало меньше.")
    page.click(".signoff button[type=submit]")
    done(page, "Отчёт подписан и направлен Главе")
    expect(page.locator(".signoff")).to_contain_text("подписал Юлия Логинова")
    page.wait_for_load_state("load")
    page.screenshot(path=f"{artifacts_dir}/report-signed-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("nav a:has-text('Показатели')")
    expect(page.locator("h2:has-text('Ожидание в ленте до выявления')")).to_be_visible()
    page.wait_for_load_state("load")  # measure with the stylesheets applied
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 380)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, wide
    row = MonthlyReport.objects.get(municipality__slug="georgievsk", month="2026-11-01")
    assert row.signed_by is not None and row.sent_at is not None
