"""Telegram connector (python-telegram-bot) against the fake Bot API over real HTTP."""

from __future__ import annotations

import pytest

from otklik.connectors.base import (
    AccountRef,
    ConnectorError,
    NotVerifiable,
    OutgoingFile,
    RateLimiter,
    Reply,
    RetryPolicy,
)
from otklik.connectors.telegram.connector import TelegramConnector
from otklik.connectors.telegram.fake import FakeTelegram
from otklik.connectors.tests.helpers import FAST, drain


@pytest.fixture
def fake():
    server = FakeTelegram().start()
    server.add_token("123:bot-token")
    yield server
    server.stop()


def connector(fake, policy=FAST, token="123:bot-token"):
    RateLimiter.reset()
    credentials = {"bot_token": token, "discussion_chat_id": fake.group["id"], "channel_username": "adm_channel"}
    account = AccountRef(
        key=f"tg-{fake.port}", network="telegram", external_id=str(fake.channel["id"]), credentials=credentials
    )
    c = TelegramConnector(account, base_url=fake.base_url, policy=policy, sleep=lambda s: None, timeout=1.0)
    c.rate_per_second = 0
    c.send_rate_per_second = 0
    return c


def test_it_collects_comments_under_channel_posts(fake):
    post, forward = fake.post_to_channel("Отключение воды 1 декабря")
    first = fake.comment(forward, "А на Пушкина тоже?")
    fake.comment(forward, "Фото двора", user_id=502, name="Мария", photo=True, reply_to=first)
    for i in range(150):
        fake.comment(forward, f"к{i}")
    messages, _, cursor = drain(connector(fake))

    assert len(messages) == 152
    assert messages[0].parent_key == f"{fake.channel['id']}/{post['message_id']}"
    assert messages[0].url == f"https://t.me/adm_channel/{post['message_id']}?comment={first['message_id']}"
    assert messages[1].attachments[0].type == "photo" and messages[1].text == "Фото двора"

    fake.comment(forward, "ещё")
    messages, _, _ = drain(connector(fake), cursor)
    assert [m.text for m in messages] == ["ещё"]
    assert messages[0].parent_key == f"{fake.channel['id']}/{post['message_id']}"  # link kept in the cursor


def test_edits_are_reported(fake):
    _, forward = fake.post_to_channel("Пост")
    comment = fake.comment(forward, "Яма")
    fake.edit(comment, "Яма у дома 5")
    messages, changes, _ = drain(connector(fake))
    assert [m.text for m in messages] == ["Яма"]
    assert [(c.kind, c.text) for c in changes] == [("edited", "Яма у дома 5")]


@pytest.mark.parametrize("code,permanent", [(429, False), (500, False), (401, True), (403, True), (409, True)])
def test_every_error_class_is_mapped(fake, code, permanent):
    fake.faults.schedule("api_error", code=code, times=5)
    with pytest.raises(ConnectorError) as info:
        drain(connector(fake, policy=RetryPolicy(attempts=2, base_delay=0.001)))
    assert info.value.permanent is permanent


@pytest.mark.parametrize("kind", ["http_500", "malformed", "drop"])
def test_transport_faults_are_retried(fake, kind):
    _, forward = fake.post_to_channel("Пост")
    fake.comment(forward, "текст")
    fake.faults.schedule(kind, op="getUpdates", times=2)
    messages, _, _ = drain(connector(fake))
    assert [m.text for m in messages] == ["текст"]


def test_a_revoked_token_is_a_clear_permanent_error(fake):
    with pytest.raises(ConnectorError) as info:
        drain(connector(fake, token="999:revoked"))
    assert info.value.permanent and "ключ бота" in info.value.message


def test_it_replies_in_the_thread_with_a_photo(fake):
    _, forward = fake.post_to_channel("Пост")
    comment = fake.comment(forward, "Когда уберут снег?")
    c = connector(fake)
    published = c.publish(
        Reply(
            f"{fake.group['id']}/{comment['message_id']}",
            "Техника выйдет сегодня.",
            "otklik-pub-9",
            files=[OutgoingFile("snow.jpg", b"\xff\xd8 jpeg", "image/jpeg")],
        )
    )
    [sent] = fake.published
    assert sent["reply_to_message"]["message_id"] == comment["message_id"]
    assert sent["message_thread_id"] == forward["message_id"]
    assert sent["caption"] == "Техника выйдет сегодня." and sent["photo"]
    assert published.external_id == f"{fake.group['id']}/{sent['message_id']}"


def test_a_reply_to_a_missing_message_is_permanent(fake):
    with pytest.raises(ConnectorError) as info:
        connector(fake).publish(Reply(f"{fake.group['id']}/999", "Ответ", "k"))
    assert info.value.permanent and info.value.code == 400
    assert info.value.message == "Telegram: сообщение, на которое отвечаем, удалено (код 400)"


def test_an_earlier_attempt_cannot_be_verified(fake):
    with pytest.raises(NotVerifiable):
        connector(fake).find_published(Reply(f"{fake.group['id']}/1", "Ответ", "k"))
