"""The case page shows each person what to do next, first."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.web.tests.helpers import new_case, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def page_for(user, case) -> str:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c.get(f"/cases/{case.pk}/").content.decode()


def actions_card(html: str) -> str:
    return html.split('aria-label="Действия"', 1)[1].split("</section>", 1)[0]


def test_it_puts_the_approval_first_and_folds_the_routing_with_current_executors_ticked(cast):
    case = routed_case(cast, cast.roads_org, cast.water_org, lead=cast.roads_org)
    co = case.assignments.get(organization=cast.water_org)
    actions.do_submit_coexecutor_info(co, text="Колодец проверили.", acting_user=cast.water)
    html = page_for(cast.specialist, case)
    card = actions_card(html)
    assert card.index('data-action="approve_info"') < card.index("Изменить исполнителей")
    assert re.search(r'<details class="card route-card" id="route"\s*><summary>Изменить исполнителей', html)
    assert re.search(rf'id="route-org-{cast.roads_org.pk}" checked', html)
    assert re.search(rf'id="route-org-{cast.water_org.pk}" checked', html)
    assert re.search(rf'id="route-lead-{cast.roads_org.pk}"[^>]*checked', html)
    assert not re.search(rf'id="route-org-{cast.housing_org.pk}" checked', html)


def test_it_opens_the_routing_on_a_new_case_beside_the_message(cast):
    html = page_for(cast.specialist, new_case(cast))
    assert '<section class="card route-card" id="route"' in html
    assert "max-height" not in html


def test_it_tells_the_lead_what_it_waits_for(cast):
    case = routed_case(cast, cast.roads_org, cast.water_org, lead=cast.roads_org)
    html = page_for(cast.roads, case)
    assert "Ожидается информация соисполнителя до 12:00; срок проекта ответа начнётся после неё." in html
    assert "submit_info" not in html and "submit_draft" not in html


def test_it_shows_a_lead_above_its_coexecutor_the_wait_instead_of_the_coexecutors_form(cast):
    # Водоканал sits under ЖКХ: ЖКХ's people could see Водоканал's form, but it is not theirs to fill.
    case = routed_case(cast, cast.housing_org, cast.water_org, lead=cast.housing_org)
    html = page_for(cast.housing, case)
    assert "Ожидается информация соисполнителя до 12:00" in html
    assert 'data-action="submit_info"' not in html
    assert 'data-action="submit_info"' in page_for(cast.water, case)


def test_it_offers_nothing_on_an_excluded_case_but_its_history(cast):
    case = new_case(cast, "Вы все воры")
    actions.do_exclude_case(case, reason_code="insult", acting_user=cast.specialist)
    html = page_for(cast.specialist, case)
    assert "<form" not in html.split('id="main"', 1)[1].split("Журнал", 1)[0].replace('action="/logout/"', "")
    assert "Исключено (п. 22)" in html
