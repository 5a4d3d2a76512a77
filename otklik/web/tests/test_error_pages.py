"""Error pages: in Russian, in the site's layout, with the reason and a way back."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.web.tests.helpers import routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def client_for(user, **kwargs) -> Client:  # type: ignore[no-untyped-def]
    c = Client(**kwargs)
    c.force_login(user)
    return c


def test_it_says_why_the_feed_is_closed_and_the_way_back(cast):
    r = client_for(cast.roads).get("/feed/", headers={"referer": "http://testserver/inbox/"})
    html = r.content.decode()
    assert r.status_code == 403
    assert "Нет доступа" in html and "Лента доступна ответственным специалистам" in html
    assert 'href="http://testserver/inbox/"' in html and 'href="/"' in html
    assert 'id="nav"' in html  # the site's layout, with the person's menu


def test_it_answers_an_unknown_address_in_russian(cast):
    r = client_for(cast.roads).get("/no-such-page/")
    assert r.status_code == 404
    assert "Страница не найдена" in r.content.decode()
    assert "Resolver404" not in r.content.decode()


def test_it_tells_an_executor_that_a_foreign_case_is_not_found(cast):
    case = routed_case(cast, cast.roads_org)
    html = client_for(cast.housing).get(f"/cases/{case.pk}/").content.decode()
    assert "Обращение не найдено" in html


def test_it_does_not_show_django_english_reasons(cast):
    html = client_for(cast.specialist).get("/answer-templates/999999/").content.decode()
    assert "matches the given query" not in html
    assert "Страница не найдена" in html


def test_it_explains_a_stale_form_instead_of_csrf_jargon(cast):
    r = client_for(cast.specialist, enforce_csrf_checks=True).post("/feed/bulk/", {"action": "detect"})
    assert r.status_code == 403
    html = r.content.decode()
    assert "Страница устарела" in html and "CSRF verification failed" not in html


def test_it_shows_a_russian_500_page(cast, settings):
    settings.ROOT_URLCONF = "otklik.web.tests.boom_urls"
    r = client_for(cast.specialist, raise_request_exception=False).get("/boom/")
    assert r.status_code == 500
    html = r.content.decode()
    assert "Ошибка на сервере" in html and "На главную" in html
