"""Watched third-party OK groups: read within what the OK API allows, answered by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from otklik.cases.models import Post
from otklik.connectors.base import AccountRef, ConnectorError, RateLimiter, Reply
from otklik.connectors.collect import collect_watched
from otklik.connectors.models import WatchedCommunity
from otklik.connectors.ok.fake import FakeOk
from otklik.connectors.ok.watched import OkWatchedConnector, describe_group
from otklik.connectors.tests.helpers import FAST, drain
from otklik.connectors.tests.test_ok import connector

WATCHED = "70000555"


@pytest.fixture
def fake():
    server = FakeOk().start()
    server.add_token("ok-token")
    server.users["5501"] = "Ольга Иванова"
    server.add_group(WATCHED, "Типичный Георгиевск", shortname="typical_georgievsk", members_count=31200)
    server.add_group("70000777", "Клуб соседей", access_type="CLOSED")
    yield server
    server.stop()


def watched_connector(fake):  # type: ignore[no-untyped-def]
    RateLimiter.reset()
    ref = AccountRef(key=f"ok-w-{fake.port}", network="ok", external_id=fake.group_id,
                     credentials={"application_key": fake.application_key, "access_token": "ok-token",
                                  "application_secret_key": fake.application_secret_key})  # fmt: skip
    c = OkWatchedConnector(ref, group_id=WATCHED, base_url=fake.base_url, policy=FAST, sleep=lambda s: None)
    c.rate_per_second = 0
    return c


def test_it_shows_name_members_and_refuses_a_closed_group(fake):
    by_name = describe_group(connector(fake), "https://ok.ru/typical_georgievsk")
    by_id = describe_group(connector(fake), f"ok.ru/group/{WATCHED}")
    assert by_name == by_id and (by_id.name, by_id.members_count, by_id.is_closed) == (
        "Типичный Георгиевск",
        31200,
        False,
    )
    closed = describe_group(connector(fake), "https://ok.ru/group/70000777")
    assert closed.is_closed and "закрытое" in closed.refusal
    with pytest.raises(ConnectorError, match="не найдена"):
        describe_group(connector(fake), "https://ok.ru/no_such_group")


def test_it_collects_the_watched_group_and_the_answer_takes_the_manual_path(fake):
    topic = fake.add_topic("Опрос: где нужен пешеходный переход?", group_id=WATCHED)
    fake.add_comment(topic.id, "У школы на Тургенева!")
    messages, _, _ = drain(watched_connector(fake))
    [message] = messages
    assert message.source_key.startswith(f"topic{WATCHED}_{topic.id}_") and message.author_name == "Ольга Иванова"
    with pytest.raises(ConnectorError) as info:
        connector(fake).publish(Reply(message.source_key, "Ответ", "otklik-publication-9"))
    assert (
        info.value.permanent and info.value.code == "foreign_group" and "Разместите ответ вручную" in info.value.message
    )
    assert fake.published == []


@pytest.mark.django_db
def test_a_group_is_added_on_the_page_and_collected(client, cast, fake, settings):
    settings.OK_API_BASE_URL = fake.base_url
    account = cast.vk_account
    account.network, account.url, account.external_id = "ok", "https://ok.ru/group/70000001", fake.group_id
    account.set_credentials({"application_key": fake.application_key, "access_token": "ok-token",
                             "application_secret_key": fake.application_secret_key})  # fmt: skip
    account.save()
    client.force_login(cast.specialist)
    data = {"link": "https://ok.ru/typical_georgievsk", "account": account.pk,
            "municipality": account.organization.municipality_id}  # fmt: skip
    assert client.post(reverse("connectors:watched"), data).status_code == 302
    watched = WatchedCommunity.objects.get()
    assert (watched.network, watched.external_id, watched.members_count) == ("ok", WATCHED, 31200)
    closed = client.post(reverse("connectors:watched"), {**data, "link": "https://ok.ru/group/70000777"})
    assert "закрытое" in closed.content.decode()
    topic = fake.add_topic("Пост", group_id=WATCHED)
    fake.add_comment(topic.id, "Когда уберут листья?")
    assert collect_watched(watched, connector=watched_connector(fake)).new == 1
    assert Post.objects.get().account == account
