"""The sources page: per source last collection, collected today, API requests today and its limit, errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from otklik.connectors.collect import collect_account
from otklik.connectors.models import CollectionState
from otklik.connectors.tests.helpers import vk_connector

pytestmark = pytest.mark.django_db


def row(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_it_shows_today_s_figures_and_only_a_current_error(client, cast, vk_account, fake_vk):
    post = fake_vk.add_post("Пост")
    for i in range(3):
        fake_vk.add_comment(post.id, f"к{i}")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    client.force_login(cast.specialist)
    line = row(client.get(reverse("connectors:sources")).content.decode(), vk_account.name)
    state = CollectionState.objects.get(account=vk_account)
    assert state.calls_today == 2  # wall.get + wall.getComments
    assert "<td>3</td>" in line and "<td>2<br>" in line and "3 запроса в секунду" in line

    fake_vk.revoke("vk-service-key")
    fake_vk.revoke("vk-admin-token")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    line = row(client.get(reverse("connectors:sources")).content.decode(), vk_account.name)
    assert "ключ доступа недействителен или отозван" in line

    fake_vk.add_token("vk-service-key", "service")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    line = row(client.get(reverse("connectors:sources")).content.decode(), vk_account.name)
    assert "отозван" not in line  # a later success clears it from the overview


def test_it_says_what_the_telegram_bot_cannot_read(client, cast):
    client.force_login(cast.specialist)
    page = client.get(reverse("connectors:sources")).content.decode()
    assert "Публичные каналы и чаты, в которых бота нет, через Bot API прочитать нельзя" in page
