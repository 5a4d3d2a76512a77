"""Watched third-party VK communities: read with the service key, answered from the official community."""

from __future__ import annotations

import pytest

from otklik.connectors.base import AccountRef, ConnectorError, Reply
from otklik.connectors.tests.helpers import FAST, drain, start_vk, vk_connector, vk_credentials
from otklik.connectors.vk.watched import LinkError, VkWatchedConnector, describe_community, parse_community_link

WATCHED = 2002


@pytest.fixture
def fake():
    server = start_vk()
    server.add_group(WATCHED, "Подслушано в Георгиевске", screen_name="podslushano_geo", members_count=48210)
    yield server
    server.stop()


def watched_connector(fake, group_id=WATCHED):  # type: ignore[no-untyped-def]
    ref = AccountRef(key=f"test-vk-{fake.port}", network="vk", external_id=str(fake.group_id),
                     credentials=vk_credentials("wall"))  # fmt: skip
    connector = VkWatchedConnector(ref, group_id=group_id, base_url=fake.base_url, policy=FAST, sleep=lambda s: None)
    connector.rates = {"user": 0, "service": 0, "group": 0}
    return connector


@pytest.mark.parametrize(
    "link,expected",
    [
        ("https://vk.com/podslushano_geo", "podslushano_geo"),
        ("vk.com/club2002", "2002"),
        ("https://m.vk.com/public2002?w=wall-2002_5", "2002"),
        ("https://vk.ru/podslushano_geo/", "podslushano_geo"),
    ],
)
def test_it_reads_a_community_from_its_link(link, expected):
    assert parse_community_link(link) == expected


@pytest.mark.parametrize("link", ["", "https://ok.ru/group/1", "https://vk.com/"])
def test_a_link_that_is_not_a_community_is_refused_in_russian(link):
    with pytest.raises(LinkError, match="ссылк|сообществ"):
        parse_community_link(link)


def test_it_shows_name_members_and_whether_it_is_open(fake):
    fake.add_group(3003, "Закрытый клуб соседей", screen_name="closed_club", is_closed=1)
    info = describe_community(vk_connector(fake), "podslushano_geo")
    assert (info.id, info.name, info.members_count, info.is_closed) == (
        WATCHED,
        "Подслушано в Георгиевске",
        48210,
        False,
    )
    assert info.refusal == ""
    closed = describe_community(vk_connector(fake), "closed_club")
    assert closed.is_closed and "закрытое" in closed.refusal
    with pytest.raises(ConnectorError, match="не найдено"):
        describe_community(vk_connector(fake), "no_such_community")


def test_it_collects_posts_and_comments_of_the_watched_wall(fake):
    anonymous = fake.add_post("Когда починят свет на Октябрьской?", owner_id=-WATCHED)
    fake.add_comment(anonymous.id, "Уже неделю темно", from_id=502)
    fake.add_comment(anonymous.id, "Ответ администрации", from_id=-fake.group_id)  # our earlier answer
    fake.add_post("Новость на своей стене")  # the official wall is not this connector's

    messages, _, cursor = drain(watched_connector(fake))

    assert {m.source_key: m.text for m in messages} == {
        f"wall-{WATCHED}_{anonymous.id}": "Когда починят свет на Октябрьской?",
        f"wall-{WATCHED}_{anonymous.id}_{anonymous.id + 1}": "Уже неделю темно",
    }
    assert next(m for m in messages if m.parent_key).author_name == "Мария Сидорова"
    assert cursor["posts"] == {str(anonymous.id): 2}


def test_comments_of_many_posts_are_read_25_posts_per_request(fake):
    posts = [fake.add_post(f"Пост {i}", owner_id=-WATCHED) for i in range(30)]
    for post in posts:
        fake.add_comment(post.id, f"к посту {post.id}")
    connector = watched_connector(fake)
    connector.scan_posts = 30
    fake.requests.clear()
    messages, _, _ = drain(connector)
    assert len(messages) == 60
    ops = [op for op, _ in fake.requests]
    assert ops.count("execute") == 2 and ops.count("wall.getComments") == 0 and len(ops) == 3


def test_the_answer_is_posted_from_the_official_community(fake):
    post = fake.add_post("Где купить дрова?", owner_id=-WATCHED)
    comment = fake.add_comment(post.id, "Присоединяюсь", from_id=501)
    reply = Reply(f"wall-{WATCHED}_{post.id}_{comment.id}", "Адреса складов — на сайте администрации.", "otklik-p-5")
    published = vk_connector(fake).publish(reply)
    [created] = fake.published
    assert created.from_id == -fake.group_id and created.reply_to_comment == comment.id
    assert published.external_id == f"wall-{WATCHED}_{post.id}_{created.id}"
    assert vk_connector(fake).find_published(reply) == published


@pytest.mark.parametrize(
    "setting,code,text",
    [
        ({"groups_can_comment": False}, 15, "комментарии от имени сообществ там запрещены"),
        ({"links_allowed": False}, 222, "ссылки в комментариях запрещены"),
    ],
)
def test_a_wall_that_does_not_take_the_answer_says_why(fake, setting, code, text):
    fake.groups[WATCHED].update(setting)
    post = fake.add_post("Пост", owner_id=-WATCHED)
    reply = Reply(f"wall-{WATCHED}_{post.id}", "Подробности: https://adm.example/news", "otklik-p-6")
    with pytest.raises(ConnectorError) as info:
        vk_connector(fake).publish(reply)
    assert info.value.permanent and info.value.code == code
    assert text in info.value.message and "Разместите ответ вручную" in info.value.message
    assert fake.published == []
