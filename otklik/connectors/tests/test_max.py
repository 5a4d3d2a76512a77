"""MAX connector against the fake MAX Bot API (schema 0.0.30) over real HTTP."""

from __future__ import annotations

import pytest

from otklik.connectors.base import AccountRef, ConnectorError, OutgoingFile, RateLimiter, Reply, RetryPolicy
from otklik.connectors.max.connector import MaxConnector
from otklik.connectors.max.fake import FakeMax
from otklik.connectors.tests.helpers import FAST, drain

TOKEN = "max-bot-token"


@pytest.fixture
def fake():
    server = FakeMax().start()
    server.add_token(TOKEN)
    server.add_user(501, "Иван", "Петров", username="ivan_petrov")
    server.add_user(502, "Мария", "Сидорова")
    yield server
    server.stop()


def connector(fake, policy=FAST, token=TOKEN, **creds):  # type: ignore[no-untyped-def]
    RateLimiter.reset()
    ref = AccountRef(key=f"max-{fake.port}", network="max", external_id=str(fake.channel["chat_id"]),
                     credentials={"bot_token": token, **creds})  # fmt: skip
    c = MaxConnector(ref, base_url=fake.base_url, policy=policy, sleep=lambda s: None)
    c.rate_per_second = 0
    return c


def test_it_collects_messages_to_the_bot_group_chats_and_channel_comments(fake):
    dialog = fake.user_writes(501, "Не работает фонарь у школы №5")
    chat = fake.add_group_chat("Жители микрорайона Северный")
    hidden = fake.add_group_chat("Чат, где бот не администратор", bot_is_admin=False)
    first = fake.chat_message(chat, 502, "Когда уберут снег во дворе?")
    fake.chat_message(chat, 501, "Поддерживаю", reply_to=first["body"]["mid"])
    fake.chat_message(hidden, 501, "Этого бот не видит")
    post = fake.post_to_channel("Отключение воды 5 декабря")
    comment = fake.comment(post, 501, "А на Пушкина тоже?")

    messages, _, cursor = drain(connector(fake))

    by_text = {m.text: m for m in messages}
    assert set(by_text) == {"Не работает фонарь у школы №5", "Когда уберут снег во дворе?", "Поддерживаю",
                            "А на Пушкина тоже?"}  # fmt: skip
    mine = by_text["Не работает фонарь у школы №5"]
    assert mine.source_key == f"{fake.dialog_id(501)}/{dialog['body']['mid']}"
    assert (mine.author_name, mine.author_url) == ("Иван Петров", "https://max.ru/ivan_petrov")
    assert by_text["Поддерживаю"].parent_key == f"{chat}/{first['body']['mid']}"
    under_post = by_text["А на Пушкина тоже?"]
    channel = fake.channel["chat_id"]
    assert under_post.source_key == f"{channel}/{post['body']['mid']}/{comment['body']['mid']}"
    assert under_post.parent_key == f"{channel}/{post['body']['mid']}"

    fake.user_writes(502, "ещё")
    messages, _, _ = drain(connector(fake), cursor)
    assert [m.text for m in messages] == ["ещё"]


def test_an_uncommitted_batch_is_read_again(fake):
    fake.user_writes(501, "первое")
    batches = connector(fake).collect({})
    first = next(batches)  # read, but the marker after it never stored (the process died)
    assert [m.text for m in first.messages] == ["первое"]
    messages, _, _ = drain(connector(fake), {})
    assert [m.text for m in messages] == ["первое"]


def test_edits_and_removals_are_reported(fake):
    written = fake.user_writes(501, "Яма")
    _, _, cursor = drain(connector(fake))
    fake.edit(written, "Яма на Ленина, 5")
    fake.remove(written)
    _, changes, _ = drain(connector(fake), cursor)
    key = f"{fake.dialog_id(501)}/{written['body']['mid']}"
    assert [(c.source_key, c.kind, c.text) for c in changes] == [
        (key, "edited", "Яма на Ленина, 5"),
        (key, "deleted", ""),
    ]


def test_the_answer_is_a_reply_with_a_photo(fake):
    written = fake.user_writes(501, "Вот фото ямы")
    fake.not_ready_once = True  # MAX is still processing the upload: the send is retried
    reply = Reply(f"{fake.dialog_id(501)}/{written['body']['mid']}", "Заявка принята, ремонт в понедельник.",
                  "otklik-publication-1", files=[OutgoingFile("plan.jpg", b"\xff\xd8\xff jpeg", "image/jpeg")])  # fmt: skip
    published = connector(fake).publish(reply)
    [sent] = fake.published
    assert sent["link"]["message"]["mid"] == written["body"]["mid"]
    assert sent["body"]["attachments"][0]["type"] == "image"
    assert published.external_id == f"{fake.dialog_id(501)}/{sent['body']['mid']}"
    assert connector(fake).find_published(reply) == published
    assert connector(fake).find_published(Reply(reply.target_key, "другой текст", "k")) is None


def test_a_comment_is_answered_under_the_post(fake):
    post = fake.post_to_channel("Пост")
    comment = fake.comment(post, 502, "Вопрос")
    channel = fake.channel["chat_id"]
    reply = Reply(f"{channel}/{post['body']['mid']}/{comment['body']['mid']}", "Ответ", "otklik-publication-2")
    published = connector(fake).publish(reply)
    [sent] = fake.published
    assert sent["recipient"]["post_id"] == post["body"]["mid"]
    assert sent["link"]["message"]["mid"] == comment["body"]["mid"]
    assert connector(fake).find_published(reply) == published


def test_a_lost_answer_is_found_not_sent_again(fake):
    written = fake.user_writes(501, "Вопрос")
    reply = Reply(f"{fake.dialog_id(501)}/{written['body']['mid']}", "Ответ", "otklik-publication-3")
    fake.faults.schedule("lost_response", op="POST /messages")
    c = connector(fake, policy=RetryPolicy(attempts=1, base_delay=0.001, max_delay=0.001))
    with pytest.raises(ConnectorError):
        c.publish(reply)
    assert len(fake.published) == 1
    assert connector(fake).find_published(reply) is not None


@pytest.mark.parametrize(
    "setup,code,text",
    [
        (lambda f: f.block_bot(501), "chat.denied", "пользователь остановил или заблокировал бота"),
        (lambda f: f.revoke(TOKEN), "verify.token", "ключ бота недействителен"),
    ],
)
def test_refusals_are_permanent_and_say_why(fake, setup, code, text):
    written = fake.user_writes(501, "Вопрос")
    setup(fake)
    with pytest.raises(ConnectorError) as info:
        connector(fake).publish(Reply(f"{fake.dialog_id(501)}/{written['body']['mid']}", "Ответ", "k"))
    assert info.value.permanent and info.value.code == code and text in info.value.message


@pytest.mark.parametrize("kind", ["http_500", "malformed", "drop", "partial"])
def test_transport_faults_are_retried(fake, kind):
    for i in range(5):
        fake.user_writes(501, f"сообщение {i}")
    fake.faults.schedule(kind, op="GET /updates", times=2)
    messages, _, _ = drain(connector(fake))
    assert sorted(m.text for m in messages) == [f"сообщение {i}" for i in range(5)]


def test_the_token_goes_in_the_authorization_header(fake):
    import httpx

    assert httpx.get(f"{fake.base_url}/me", params={"access_token": TOKEN}).status_code == 401
    assert httpx.get(f"{fake.base_url}/me", headers={"Authorization": TOKEN}).json()["is_bot"] is True


def test_a_webhook_subscription_carries_the_secret(fake):
    connector(fake).subscribe("https://otklik.example/sources/max/webhook/1/", "s3cret-42")
    assert fake.subscription["secret"] == "s3cret-42" and "message_created" in fake.subscription["update_types"]
    with pytest.raises(ConnectorError) as info:
        connector(fake).subscribe("https://otklik.example/hook/", "no spaces allowed")
    assert info.value.permanent


def test_a_video_goes_with_the_answer(fake):
    written = fake.user_writes(501, "Покажите видео")
    reply = Reply(f"{fake.dialog_id(501)}/{written['body']['mid']}", "Вот видео ремонта.", "otklik-publication-9",
                  files=[OutgoingFile("v.mp4", b"\0\0\0\x18ftypmp42", "video/mp4")])  # fmt: skip
    connector(fake).publish(reply)
    [sent] = fake.published
    [video] = sent["body"]["attachments"]
    assert video["type"] == "video" and fake.video_tokens[video["payload"]["token"]] is True


def test_a_channel_comment_takes_no_files_and_says_so_before_sending(fake):
    post = fake.post_to_channel("Пост")
    comment = fake.comment(post, 502, "Вопрос")
    reply = Reply(f"{fake.channel['chat_id']}/{post['body']['mid']}/{comment['body']['mid']}", "Ответ", "k",
                  files=[OutgoingFile("v.mp4", b"\0\0\0\x18ftypmp42", "video/mp4")])  # fmt: skip
    with pytest.raises(ConnectorError, match="к комментарию нельзя приложить фото или видео") as info:
        connector(fake).publish(reply)
    assert info.value.permanent and fake.published == [] and fake.video_tokens == {}
