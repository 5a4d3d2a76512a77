"""Issue 19 item 1: a case page looks up posts by external key only inside its municipality."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.cases.tests.helpers import message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_it_never_shows_another_municipalitys_post_as_the_parent(cast):
    actions.do_register_post(
        cast.other_municipality, message("Тайна соседей", key="wall-9_1", author_name="Сосед Б", author_id="77")
    )
    ours = actions.do_register_post(
        cast.municipality, message("Ответ на пост", key="wall-9_1_5", parent_key="wall-9_1", author_id="77"),
        detected=True,
    )  # fmt: skip
    c = Client()
    c.force_login(cast.specialist)
    page = c.get(f"/cases/{ours.pk}/").content.decode()
    assert "Ответ на пост" in page
    assert "Тайна соседей" not in page and "Сосед Б" not in page


def test_it_shows_the_parent_post_of_its_own_municipality(cast):
    actions.do_register_post(cast.municipality, message("Пост администрации", key="wall-9_2", author_name="Адм"))
    ours = actions.do_register_post(
        cast.municipality, message("Комментарий", key="wall-9_2_5", parent_key="wall-9_2"), detected=True
    )
    c = Client()
    c.force_login(cast.specialist)
    assert "Пост администрации" in c.get(f"/cases/{ours.pk}/").content.decode()
