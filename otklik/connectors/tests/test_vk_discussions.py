"""Discussion boards and photo comments of the official VK community, over real HTTP."""

from __future__ import annotations

import pytest

from otklik.cases import actions, events
from otklik.cases.models import Post
from otklik.connectors.base import ConnectorError, OutgoingFile, Reply
from otklik.connectors.collect import collect_account
from otklik.connectors.publish import on_publication_pending
from otklik.connectors.tests.helpers import drain, start_vk, vk_connector


@pytest.fixture
def fake():
    server = start_vk()
    yield server
    server.stop()


def test_board_and_photo_comments_arrive_through_long_poll(fake):
    topic = fake.add_topic("Благоустройство дворов")
    photo = fake.add_photo()
    connector = vk_connector(fake, mode="longpoll")
    _, _, cursor = drain(connector)
    board = fake.add_board_comment(topic, "Во дворе дома 3 нет скамеек", from_id=501)
    under_photo = fake.add_photo_comment(photo, "Это же наш парк!", from_id=502)
    messages, _, _ = drain(connector, cursor)
    by_text = {m.text: m for m in messages}
    first = by_text["Во дворе дома 3 нет скамеек"]
    assert first.source_key == f"topic-{fake.group_id}_{topic}_{board['id']}"
    assert first.url == f"https://vk.com/topic-{fake.group_id}_{topic}?post={board['id']}"
    assert first.parent_key == f"topic-{fake.group_id}_{topic}" and first.author_name == "Иван Петров"
    second = by_text["Это же наш парк!"]
    assert second.source_key == f"photo-{fake.group_id}_{photo}_{under_photo['id']}"
    assert second.url == f"https://vk.com/photo-{fake.group_id}_{photo}?reply={under_photo['id']}"
    assert second.author_name == "Мария Сидорова"


def test_a_scan_reads_boards_and_photo_comments_once(fake):
    topic = fake.add_topic("Вопросы к администрации")
    photo = fake.add_photo()
    for i in range(130):
        fake.add_board_comment(topic, f"вопрос {i}")
    fake.add_photo_comment(photo, "комментарий к фото")
    connector = vk_connector(fake, scan="wall,boards,photos")
    messages, _, cursor = drain(connector)
    assert len(messages) == 131 and all(m.author_name for m in messages)

    assert drain(connector, cursor)[0] == []
    fake.add_board_comment(topic, "новый вопрос")
    fake.add_photo_comment(photo, "новый комментарий")
    messages, _, _ = drain(connector, cursor)
    assert sorted(m.text for m in messages) == ["новый вопрос", "новый комментарий"]


def test_answers_go_from_the_community_once(fake):
    topic = fake.add_topic("Тема")
    board = fake.add_board_comment(topic, "Когда?")
    photo = fake.add_photo()
    under_photo = fake.add_photo_comment(photo, "Где это?")
    connector = vk_connector(fake)
    to_board = Reply(f"topic-{fake.group_id}_{topic}_{board['id']}", "В мае.", "otklik-publication-5")
    to_photo = Reply(f"photo-{fake.group_id}_{photo}_{under_photo['id']}", "Парк Победы.", "otklik-publication-6")
    fake.faults.schedule("lost_response", op="board.createComment")
    first = connector.publish(to_board)  # retried with the same guid: posted once
    second = connector.publish(to_photo)
    assert [(c["from_id"], c["text"]) for c in fake.discussion_published] == [
        (-fake.group_id, f"[post{board['id']}|Ответ], В мае."),
        (-fake.group_id, "Парк Победы."),
    ]
    assert connector.find_published(to_board) == first and connector.find_published(to_photo) == second
    with pytest.raises(ConnectorError) as info:
        connector.publish(Reply(to_photo.target_key, "с фото", "k", files=[OutgoingFile("a.jpg", b"x", "image/jpeg")]))
    assert info.value.permanent and "только текст" in info.value.message


@pytest.mark.django_db(transaction=True)
def test_collect_feed_case_answer_published(cast, vk_account, fake_vk, monkeypatch):
    topic = fake_vk.add_topic("Вопросы")
    connector = vk_connector(fake_vk, mode="longpoll")
    collect_account(vk_account, connector=connector)
    fake_vk.add_board_comment(topic, "Когда отремонтируют дорогу на Лесной?", from_id=502)
    assert collect_account(vk_account, connector=connector).new == 1
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text="В июне по плану ремонта.", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    case = actions.do_publish_answer(case, account=vk_account, acting_user=cast.specialist)
    case.refresh_from_db()
    assert case.status == "answered" and case.publications.get().status == "published"
    assert fake_vk.discussion_published[0]["text"].endswith("В июне по плану ремонта.")
