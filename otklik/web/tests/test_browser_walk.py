"""The whole regulation walked through the pages by the demo users, in Chromium."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.directory.models import Municipality, Organization
from otklik.web.models import AnswerTemplate
from otklik.web.tests.browser_helpers import People, done
from otklik.web.tests.helpers import incoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server, browser):  # type: ignore[no-untyped-def]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    people = People(browser, live_server.url)
    yield people
    people.close()
    assert people.problems == []


def org(short_name: str) -> Organization:
    return Organization.objects.get(municipality__slug="georgievsk", short_name=short_name)


def register(text: str, **kwargs):  # type: ignore[no-untyped-def]
    return actions.do_register_post(Municipality.objects.get(slug="georgievsk"), incoming(text, **kwargs))


def status_of(case: Case) -> str:
    return Case.objects.get(pk=case.pk).status


def test_specialist_lead_and_coexecutor_walk_the_regulation(demo):
    roads, blago = org("Управление дорог"), org("МБУ «Благоустройство»")
    AnswerTemplate.objects.create(
        municipality=roads.municipality, title="Ремонт дороги", text="Здравствуйте! Участок включён в план ремонта."
    )
    case = register("Во дворе на Гагарина, 12 яма и упавшее дерево, не пройти", author_name="Ольга Н.")

    # §9.1 — the specialist picks the message out of the feed with the keyboard.
    page = demo.open("specialist", "/feed/")
    expect(page.locator(f"#feed-{case.pk}")).to_contain_text("яма и упавшее дерево")
    page.keyboard.press("j")
    page.keyboard.press("d")
    page.click(f"#feed-{case.pk} .undo-now")  # a key waits 10 s for «Отменить»; do it now
    expect(page.locator(f"#feed-{case.pk}")).to_have_count(0)
    assert status_of(case) == "new"

    # §9.2, §17 — routed to a lead and a co-executor from the inbox, in place (htmx).
    page = demo.open("specialist", "/inbox/")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    page.fill(".org-filter", "дорог")  # a long list narrows as you type
    expect(page.locator(f"#route-org-{blago.pk}")).to_be_hidden()
    page.fill(".org-filter", "")
    page.check(f"#route-org-{roads.pk}")
    page.check(f"#route-org-{blago.pk}")
    page.check(f"#route-lead-{roads.pk}")
    page.click("[data-action=route]")
    done(page, "Направлено исполнителю")
    assert status_of(case) == "assigned"

    # An executor of another organization does not even learn the case exists.
    assert demo.page("edu").context.request.get(f"{demo.base}/cases/{case.pk}/").status == 404

    # The lead cannot draft before the co-executor's part is in (§18).
    page = demo.open("roads", f"/cases/{case.pk}/")
    expect(page.locator("#form-submit_draft")).to_have_count(0)

    # §18 — the co-executor sends its part, the specialist approves it.
    page = demo.open("blago", "/inbox/")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    page.locator("form[id^=form-submit_info] textarea[name$=-text]").fill("Дерево уберём сегодня до 17:00.")
    page.click("[data-action=submit_info]")
    done(page, "Информация направлена")
    page = demo.open("specialist", "/inbox/?view=coinfo")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    expect(page.locator(".coinfo")).to_contain_text("Дерево уберём")
    page.click("[data-action=approve_info]")
    done(page, "Информация соисполнителя согласована")

    # §11 — the lead drafts, starting from an answer template.
    page = demo.open("roads", "/inbox/")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    page.click(".template-picker button")
    expect(page.locator("#id_text")).to_have_value("Здравствуйте! Участок включён в план ремонта.")
    page.click("[data-action=submit_draft]")
    done(page, "Проект ответа отправлен на согласование")

    # §13 — the specialist returns it with remarks.
    page = demo.open("specialist", f"/cases/{case.pk}/")
    page.fill("#form-return_draft textarea", "Добавьте про дерево и срок.")
    page.click("[data-action=return_draft]")
    done(page, "возвращён с замечаниями")
    assert status_of(case) == "revision"

    # §14 — the lead sees the remarks and revises.
    page = demo.open("roads", "/inbox/?view=revision")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    expect(page.locator(".draft-action .remark")).to_contain_text("Добавьте про дерево и срок.")
    page.fill("#id_text", "Здравствуйте! Дерево уберут сегодня до 17:00, яму засыплем до пятницы.")
    page.click("[data-action=submit_draft]")
    done(page, "отправлен на согласование")

    # §12 — the specialist sees the diff beside the remarks and approves.
    page = demo.open("specialist", "/inbox/?view=review")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    expect(page.locator("#draft-2 ins").first).to_be_visible()
    expect(page.locator("#draft-1 .draft-remarks")).to_contain_text("Добавьте про дерево")
    page.click("[data-action=approve_draft]")
    done(page, "Проект ответа согласован")

    # §16 — the lead posts the answer by hand and pastes the link.
    page = demo.open("roads", "/inbox/?view=approved")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    page.fill("#form-publish input[name=external_url]", "https://vk.com/wall-200001_77?reply=5")
    page.click("[data-action=publish]")
    done(page, "Ответ размещён")
    assert status_of(case) == "answered"
    expect(page.locator(".case-title .status")).to_have_text("Ответ размещён")

    # The Head reads everything and can do nothing.
    page = demo.open("head", f"/cases/{case.pk}/")
    expect(page.locator(".events")).to_contain_text("Проект согласован")
    expect(page.locator("form.action-form")).to_have_count(0)


def test_intermediate_answer_then_final_and_an_exclusion(demo, artifacts_dir):
    roads = org("Управление дорог")
    case = register("Дорога в Незлобную разбита, когда ремонт?", author_name="Игорь Соколов")
    spec = Case.objects.get(pk=case.pk)
    from django.contrib.auth.models import User

    specialist = User.objects.get(username="specialist")
    case = actions.do_route_case(actions.do_detect_case(spec, acting_user=specialist), [roads], acting_user=specialist)

    # §11, §15 — an intermediate answer first.
    page = demo.open("roads", f"/cases/{case.pk}/")
    page.select_option("#id_kind", "intermediate")
    page.fill("#id_text", "Здравствуйте! Дорогу осмотрят на этой неделе, вернёмся с ответом.")
    page.click("[data-action=submit_draft]")
    done(page, "отправлен на согласование")
    page = demo.open("specialist", f"/cases/{case.pk}/")
    page.click("[data-action=approve_draft]")
    done(page, "согласован")
    page = demo.open("roads", f"/cases/{case.pk}/")
    page.fill("#form-publish input[name=external_url]", "https://vk.com/wall-200001_80?reply=1")
    page.click("[data-action=publish]")
    done(page, "Ответ размещён")
    assert status_of(case) == "intermediate"
    expect(page.locator(".deadlines")).to_contain_text("Окончательный ответ")

    # ... then the final one (§15).
    page = demo.open("roads", "/inbox/?view=intermediate")
    page.click(f"a.case-link[href='/cases/{case.pk}/']")
    page.select_option("#id_kind", "final")
    page.fill("#id_text", "Ремонт дороги в Незлобную включён в план на май, подрядчик определён.")
    page.click("[data-action=submit_draft]")
    done(page, "отправлен на согласование")
    page = demo.open("specialist", f"/cases/{case.pk}/")
    page.click("[data-action=approve_draft]")
    done(page, "согласован")
    page = demo.open("roads", f"/cases/{case.pk}/")
    page.fill("#form-publish input[name=external_url]", "https://vk.com/wall-200001_80?reply=2")
    page.click("[data-action=publish]")
    done(page, "Ответ размещён")
    assert status_of(case) == "answered"

    # §22 — an insulting message is excluded with its reason code.
    rude = register("Вы там все бездельники и воры!", author_name="Аноним")
    page = demo.open("specialist", f"/cases/{rude.pk}/")
    page.click("details.action summary:has-text('Исключить')")
    page.select_option("#form-exclude select[name=reason_code]", "insult")
    demo.confirm = True  # exclusion cannot be undone: the page asks first
    page.click("[data-action=exclude]")
    done(page, "исключено")
    assert status_of(rude) == "excluded"
    expect(page.locator(".events")).to_contain_text("оскорбление")
    assert demo.dialogs and "Исключить (п. 22): вы уверены?" in demo.dialogs[-1]
