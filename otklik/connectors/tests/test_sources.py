"""The sources page: per source last collection, collected today, API requests today and the budget left, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.connectors.collect import collect_account
from otklik.connectors.models import CollectionState, WatchedCommunity
from otklik.connectors.tests.helpers import vk_connector
from otklik.directory.models import OfficialAccount

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
    assert "<td>3</td>" in line and "<td>2<br>" in line and "не чаще 3 запросов в секунду" in line
    assert "осталось 4998 из 5000 запросов в сутки" in line

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


def _spent(calls: int, **source) -> None:
    CollectionState.objects.create(calls_day=timezone.localdate(), calls_today=calls, **source)


def test_it_counts_the_budget_down_per_key_with_its_watched_communities(client, cast, settings):
    settings.VK_DAILY_CALLS = 100
    watched = WatchedCommunity.objects.create(
        municipality=cast.municipality, account=cast.vk_account, link="https://vk.com/club7", external_id="7",
        name="Подслушано",
    )  # fmt: skip
    _spent(30, account=cast.vk_account)
    _spent(50, watched=watched)
    client.force_login(cast.specialist)
    page = client.get(reverse("connectors:sources")).content.decode()
    assert "осталось 20 из 100 запросов в сутки" in row(page, cast.vk_account.name)
    assert "осталось 20 из 100 запросов в сутки" in row(page, "Подслушано")


def test_it_never_shows_a_negative_budget_and_forgets_yesterday(client, cast, settings):
    settings.VK_DAILY_CALLS = 10
    _spent(25, account=cast.vk_account)
    client.force_login(cast.specialist)
    assert "осталось 0 из 10" in row(client.get(reverse("connectors:sources")).content.decode(), cast.vk_account.name)
    CollectionState.objects.update(calls_day=timezone.localdate() - dt.timedelta(days=1))
    assert "осталось 10 из 10" in row(client.get(reverse("connectors:sources")).content.decode(), cast.vk_account.name)


def test_it_states_the_rate_where_no_daily_limit_is_published(client, cast):
    bot = OfficialAccount.objects.create(
        organization=cast.vk_account.organization, network="max", name="Бот администрации", external_id="1"
    )
    _spent(7, account=bot)
    client.force_login(cast.specialist)
    line = row(client.get(reverse("connectors:sources")).content.decode(), "Бот администрации")
    assert "30 запросов в секунду на бота" in line and "осталось" not in line
