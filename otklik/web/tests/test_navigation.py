"""The navigation fits each role: what each person finds in the menu."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.web.tests.helpers import new_case, review_case, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def nav_of(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    html = c.get("/inbox/").content.decode()
    nav = html.split('id="nav"', 1)[1].split("</nav>", 1)[0]
    return {m[1]: m[0] for m in re.findall(r'href="([^"]+)" data-nav="([^"]+)"', nav)}


def test_it_gives_the_observer_the_regional_view(cast):
    assert nav_of(cast.observer)["regional"] == "/reports/region/"


def test_it_gives_the_administrator_the_admin(cast):
    cast.specialist.is_staff = True
    cast.specialist.save()
    assert list(nav_of(cast.specialist))[-1] == "admin"
    assert "admin" not in nav_of(cast.roads)


def test_it_shows_answer_templates_only_to_those_who_write_answers(cast):
    assert "answer_templates" not in nav_of(cast.head)
    assert "answer_templates" not in nav_of(cast.observer)
    assert "answer_templates" in nav_of(cast.roads)
    assert "answer_templates" in nav_of(cast.coordinator)


def test_it_gives_the_coordinator_the_drafts_to_approve(cast):
    review_case(cast)
    c = Client()
    c.force_login(cast.coordinator)
    html = c.get("/inbox/").content.decode()
    assert "Проекты на согласовании" in html
    assert "?view=review" in html


def test_it_counts_returned_cases_on_their_tab_but_once_in_the_menu(cast):
    case = routed_case(cast, cast.roads_org)
    actions.do_return_assignment(case.assignments.get(), reason="Не наша компетенция", acting_user=cast.roads)
    new_case(cast)
    c = Client()
    c.force_login(cast.specialist)
    html = c.get("/inbox/").content.decode()
    assert re.search(r'view=returned"[^>]*>Возвращены исполнителями <span class="badge">1</span>', html), html
    nav = html.split('id="nav"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'data-nav="inbox"[^>]*>Входящие<span class="badge">2</span>', nav)
