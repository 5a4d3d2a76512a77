"""Private messages to the official Telegram bot: collected as cases, answered by the bot's reply."""

from __future__ import annotations

import pytest

from otklik.cases import actions, events
from otklik.cases.models import Post
from otklik.connectors.base import ConnectorError, Reply
from otklik.connectors.collect import collect_account
from otklik.connectors.publish import on_publication_pending
from otklik.connectors.telegram.fake import FakeTelegram
from otklik.connectors.tests.helpers import drain
from otklik.connectors.tests.test_telegram import connector


@pytest.fixture
def fake():
    server = FakeTelegram().start()
    server.add_token("123:bot-token")
    yield server
    server.stop()


def test_a_message_to_the_bot_is_collected_with_its_author(fake):
    written = fake.write_to_bot(501, "Не вывозят мусор на Лермонтова", name="Иван", username="ivan_g")
    fake.write_to_bot(502, "Без ника", name="Мария")
    messages, _, _ = drain(connector(fake))
    first, second = messages
    assert first.source_key == f"501/{written['message_id']}" and first.parent_key == "" and first.url == ""
    assert (first.author_name, first.author_url) == ("Иван", "https://t.me/ivan_g")
    assert (second.author_name, second.author_url) == ("Мария", "")


def test_the_answer_is_the_bot_s_reply_in_that_chat(fake):
    written = fake.write_to_bot(501, "Когда починят лифт?")
    published = connector(fake).publish(Reply(f"501/{written['message_id']}", "Завтра до 12:00.", "otklik-p-1"))
    [sent] = fake.published
    assert sent["chat"]["id"] == 501 and sent["reply_to_message"]["message_id"] == written["message_id"]
    assert published.external_id == f"501/{sent['message_id']}"


def test_a_person_who_blocked_the_bot_gets_a_clear_reason(fake):
    written = fake.write_to_bot(501, "Вопрос")
    fake.block_bot(501)
    with pytest.raises(ConnectorError) as info:
        connector(fake).publish(Reply(f"501/{written['message_id']}", "Ответ", "otklik-p-2"))
    assert info.value.permanent and "пользователь заблокировал бота" in info.value.message


@pytest.mark.django_db(transaction=True)
def test_collect_feed_case_answer_published(cast, fake, monkeypatch):
    account = cast.vk_account
    account.network, account.url, account.external_id = "telegram", "https://t.me/adm", str(fake.channel["id"])
    account.set_credentials({"bot_token": "123:bot-token", "discussion_chat_id": fake.group["id"]})
    account.save()
    fake.write_to_bot(501, "Прошу починить лавочку в парке")
    assert collect_account(account, connector=connector(fake)).new == 1
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])
    monkeypatch.setattr("otklik.connectors.publish.build_connector", lambda account: connector(fake))
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text="Починим до пятницы.", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    case = actions.do_publish_answer(case, account=account, acting_user=cast.specialist)
    case.refresh_from_db()
    assert case.status == "answered" and case.publications.get().status == "published"
    assert [(m["chat"]["id"], m["text"]) for m in fake.published] == [(501, "Починим до пятницы.")]
