"""VK authors: names and profile links for messages that arrive as events (users.get / groups.getById)."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from otklik.cases.models import Post
from otklik.connectors.tests.helpers import drain, start_vk, vk_connector


@pytest.fixture
def fake():
    server = start_vk()
    yield server
    server.stop()


def ops(fake, name):  # type: ignore[no-untyped-def]
    return sum(1 for op, _ in fake.requests if op == name)


def test_it_names_long_poll_authors_with_one_call_per_kind(fake):
    fake.add_user(503, "Олег", "Кузнецов", screen_name="oleg.k")
    fake.add_group(2002, "Подслушано в Георгиевске", screen_name="podslushano_geo")
    post = fake.add_post("Пост")
    connector = vk_connector(fake, mode="longpoll")
    _, _, cursor = drain(connector)
    fake.requests.clear()
    fake.add_comment(post.id, "Яма", from_id=501)
    fake.add_comment(post.id, "И у нас", from_id=503)
    fake.add_comment(post.id, "Репост", from_id=-2002)

    messages, _, cursor = drain(connector, cursor)

    authors = {m.text: (m.author_name, m.author_url) for m in messages}
    assert authors == {
        "Яма": ("Иван Петров", "https://vk.com/id501"),
        "И у нас": ("Олег Кузнецов", "https://vk.com/oleg.k"),
        "Репост": ("Подслушано в Георгиевске", "https://vk.com/podslushano_geo"),
    }
    assert (ops(fake, "users.get"), ops(fake, "groups.getById")) == (1, 1)

    fake.add_comment(post.id, "Ещё яма", from_id=503)
    messages, _, _ = drain(connector, cursor)
    assert messages[0].author_name == "Олег Кузнецов"
    assert ops(fake, "users.get") == 1  # known in this run: not asked again


def test_it_asks_once_per_page_of_events_and_a_thousand_users_at_a_time(fake):
    post = fake.add_post("Пост")
    connector = vk_connector(fake, mode="longpoll")
    _, _, cursor = drain(connector)
    for uid in range(10_000, 10_300):
        fake.add_comment(post.id, "текст", from_id=uid)
    messages, _, _ = drain(connector, cursor)
    assert len(messages) == 300 and all(m.author_name for m in messages)
    assert ops(fake, "users.get") == 3  # Long Poll gives 100 events a page

    fake.requests.clear()
    many = [dataclasses.replace(messages[0], author_id=str(uid), author_name="") for uid in range(20_000, 21_500)]
    named = vk_connector(fake).resolve_authors(many)
    assert all(m.author_name == f"Пользователь {m.author_id}" for m in named)
    assert ops(fake, "users.get") == 2


def test_a_refused_lookup_keeps_the_message_without_a_name(fake):
    post = fake.add_post("Пост")
    connector = vk_connector(fake, mode="longpoll")
    _, _, cursor = drain(connector)
    fake.add_comment(post.id, "Без имени, но не потеряно", from_id=501)
    fake.faults.schedule("api_error", op="users.get", code=15)
    messages, _, _ = drain(connector, cursor)
    assert [(m.text, m.author_name, m.author_url) for m in messages] == [
        ("Без имени, но не потеряно", "", "https://vk.com/id501")
    ]


def test_a_callback_comment_is_stored_with_its_author(client, cast, vk_account, fake_vk):
    creds = vk_account.get_credentials()
    creds.update(confirmation_code=fake_vk.confirmation_code, callback_secret=fake_vk.callback_secret)
    vk_account.set_credentials(creds)
    vk_account.save()
    fake_vk.add_user(502, "Мария", "Сидорова", screen_name="maria_s")
    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "Через Callback", from_id=502)
    event = {**fake_vk.events[-1], "secret": fake_vk.callback_secret}

    response = client.post(
        reverse("connectors:vk_callback", args=[vk_account.pk]), event, content_type="application/json"
    )

    assert response.content == b"ok"
    stored = Post.objects.get()
    assert (stored.author_name, stored.author_url) == ("Мария Сидорова", "https://vk.com/maria_s")
    client.force_login(cast.specialist)
    assert "Мария Сидорова" in client.get(stored.case.get_absolute_url()).content.decode()
