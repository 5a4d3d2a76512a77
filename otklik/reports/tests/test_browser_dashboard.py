"""The dashboard in a real browser: the head logs in, filters, and the charts are there (CSP-clean)."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.tests.helpers import message, msk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_now():  # type: ignore[no-untyped-def]
    return msk(2026, 6, 1, 10, 0)  # just after the seeded May


def test_the_head_reads_the_dashboard(live_server, page, artifacts_dir, cast, may):
    for text in ("Яма на Ленина", "Нет воды на Гагарина", "Не горит фонарь"):
        case = actions.do_register_post(cast.municipality, message(text), detected=True, acting_user=cast.specialist)
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    actions.do_flag_significant(case, reason="Тёмный переход у школы", acting_user=cast.specialist)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "head")
    page.fill("#id_password", "otklik-test-pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/dashboard/")
    page.fill("input[name=start]", "2026-05-01")
    page.click("form.filter-bar button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".tile").first.is_visible()
    assert page.locator("svg.chart").count() >= 3
    assert page.get_by_text("Тёмный переход у школы").is_visible()
    assert page.get_by_text("Подготовка проекта ответа").first.is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=f"{artifacts_dir}/dashboard.png", full_page=True)
    assert not [p for p in problems if "Content Security Policy" in p], problems
