"""Private messages to the official VK community: message_new -> case -> messages.send, over real HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

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


def test_a_private_message_arrives_through_long_poll_with_its_author(fake):
    connector = vk_connector(fake, mode="longpoll")
    _, _, cursor = drain(connector)
    written = fake.write_message(501, "Здравствуйте! Во дворе дома 5 третий день не вывозят мусор.")
    messages, _, _ = drain(connector, cursor)
    [message] = messages
    assert message.source_key == f"msg-{fake.group_id}_501_{written.id}"
    assert message.url == f"https://vk.com/gim{fake.group_id}?sel=501&msgid={written.id}"
    assert (message.author_name, message.author_url) == ("Иван Петров", "https://vk.com/id501")
    assert message.parent_key == ""


def test_the_answer_is_a_reply_from_the_community_sent_once(fake):
    written = fake.write_message(501, "Когда включат свет?")
    connector = vk_connector(fake)
    reply = Reply(f"msg-{fake.group_id}_501_{written.id}", "Сегодня к 18:00.", "otklik-publication-7")
    fake.faults.schedule("lost_response", op="messages.send")
    published = connector.publish(reply)  # the lost answer is retried with the same random_id
    [sent] = fake.sent
    assert (sent.peer_id, sent.reply_to, sent.text, sent.from_id) == (501, written.id, "Сегодня к 18:00.", -1001)
    assert published.external_id == f"msg-{fake.group_id}_501_{sent.id}"
    assert connector.find_published(reply) == published
    assert connector.find_published(Reply(reply.target_key, reply.text, "otklik-publication-8")) is None


def test_a_photo_goes_with_the_answer(fake):
    written = fake.write_message(501, "Вот фото ямы", attachments=[])
    reply = Reply(
        f"msg-{fake.group_id}_501_{written.id}", "Принято.", "otklik-publication-9",
        files=[OutgoingFile("plan.jpg", b"\xff\xd8\xff jpeg", "image/jpeg")],
    )  # fmt: skip
    vk_connector(fake).publish(reply)
    [sent] = fake.sent
    assert sent.attachments[0]["type"] == "photo"


def test_a_video_goes_with_the_answer_as_a_private_one_with_its_key(fake):
    written = fake.write_message(501, "Покажите, что сделано")
    reply = Reply(
        f"msg-{fake.group_id}_501_{written.id}", "Вот видео.", "otklik-publication-10",
        files=[OutgoingFile("done.mp4", b"\x00\x00\x00\x18ftypmp42 video", "video/mp4")],
    )  # fmt: skip
    vk_connector(fake).publish(reply)
    [sent] = fake.sent
    [video] = fake.videos.values()
    assert video["is_private"] and sent.attachments[0]["type"] == "video"
    assert sent.attachments[0]["video"]["id"] == video["id"]


def test_a_person_who_forbade_messages_is_not_written_to(fake):
    written = fake.write_message(501, "Вопрос")
    fake.deny_messages(501)
    with pytest.raises(ConnectorError) as info:
        vk_connector(fake).publish(Reply(f"msg-{fake.group_id}_501_{written.id}", "Ответ", "k"))
    assert info.value.permanent and info.value.code == 901
    assert "не разрешил сообществу присылать ему сообщения" in info.value.message
    assert fake.sent == []


@pytest.mark.django_db(transaction=True)
def test_collect_feed_case_answer_published(client, cast, vk_account, fake_vk, monkeypatch):
    connector = vk_connector(fake_vk, mode="longpoll")
    collect_account(vk_account, connector=connector)
    fake_vk.write_message(502, "Прошу убрать сугроб у школы №3")
    fake_vk.write_message(501, "А мне не пишите")
    fake_vk.deny_messages(501)
    assert collect_account(vk_account, connector=connector).new == 2
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])

    def answer(text):  # type: ignore[no-untyped-def]
        case = actions.do_detect_case(Post.objects.get(text=text).case, acting_user=cast.specialist)
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        case = actions.do_submit_draft(case, text="Уберём сегодня.", acting_user=cast.roads)
        case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
        case = actions.do_publish_answer(case, account=vk_account, acting_user=cast.specialist)
        case.refresh_from_db()
        return case

    case = answer("Прошу убрать сугроб у школы №3")
    assert case.status == "answered" and case.publications.get().status == "published"
    assert [(m.peer_id, m.text) for m in fake_vk.sent] == [(502, "Уберём сегодня.")]
    assert case.primary_post.author_name == "Мария Сидорова"

    refused = answer("А мне не пишите")
    assert refused.publications.get().status == "failed"
    client.force_login(cast.specialist)
    page = client.get(refused.get_absolute_url()).content.decode()
    assert "пользователь не разрешил сообществу присылать ему сообщения" in page


def test_a_private_message_arrives_through_callback(client, vk_account, fake_vk):
    creds = vk_account.get_credentials()
    creds.update(confirmation_code=fake_vk.confirmation_code, callback_secret=fake_vk.callback_secret)
    vk_account.set_credentials(creds)
    vk_account.save()
    written = fake_vk.write_message(502, "Через Callback API")
    event = {**fake_vk.events[-1], "secret": fake_vk.callback_secret}
    url = reverse("connectors:vk_callback", args=[vk_account.pk])
    for _ in range(2):  # a retried callback is stored once
        assert client.post(url, event, content_type="application/json").content == b"ok"
    stored = Post.objects.get()
    assert stored.source_key == f"msg-{fake_vk.group_id}_502_{written.id}" and stored.author_name == "Мария Сидорова"
