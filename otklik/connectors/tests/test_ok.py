"""Odnoklassniki connector against the fake OK REST API over real HTTP."""

from __future__ import annotations

import pytest

from otklik.connectors.base import AccountRef, ConnectorError, OutgoingFile, RateLimiter, Reply, RetryPolicy
from otklik.connectors.ok.client import sign
from otklik.connectors.ok.connector import OkConnector
from otklik.connectors.ok.fake import FakeOk
from otklik.connectors.tests.helpers import FAST, drain


@pytest.fixture
def fake():
    server = FakeOk().start()
    server.add_token("ok-token")
    server.users["5501"] = "Ольга Иванова"
    yield server
    server.stop()


def connector(fake, policy=FAST, **creds):
    RateLimiter.reset()
    credentials = {
        "application_key": fake.application_key,
        "application_secret_key": fake.application_secret_key,
        "access_token": "ok-token",
        **creds,
    }
    account = AccountRef(key=f"ok-{fake.port}", network="ok", external_id=fake.group_id, credentials=credentials)
    c = OkConnector(account, base_url=fake.base_url, policy=policy, sleep=lambda s: None)
    c.rate_per_second = 0
    return c


def test_signature_follows_the_documented_recipe():
    # md5("application_key=Aformat=jsonmethod=users.getCurrentUser" + md5("tok" + "secret"))
    params = {"application_key": "A", "format": "json", "method": "users.getCurrentUser"}
    import hashlib

    secret = hashlib.md5(b"toksecret").hexdigest()
    expected = hashlib.md5(("application_key=Aformat=jsonmethod=users.getCurrentUser" + secret).encode()).hexdigest()
    assert sign(params, "tok", "secret") == expected


def test_it_collects_topic_comments_page_by_page(fake):
    topic = fake.add_topic("Благоустройство парка")
    first = fake.add_comment(topic.id, "Когда откроют парк?")
    for i in range(130):
        fake.add_comment(topic.id, f"к{i}", reply_to=first.id if i % 10 == 0 else "")
    c = connector(fake)
    c.page_size = 50
    messages, _, cursor = drain(c)
    assert len(messages) == 131
    assert messages[0].author_name == "Ольга Иванова"
    assert messages[0].parent_key == f"topic{fake.group_id}_{topic.id}"

    fake.add_comment(topic.id, "новый")
    messages, _, _ = drain(c, cursor)
    assert [m.text for m in messages] == ["новый"]


def test_a_wrong_secret_is_a_signature_error(fake):
    fake.add_topic("т")
    with pytest.raises(ConnectorError) as info:
        drain(connector(fake, application_secret_key="wrong"))
    assert info.value.code == 104 and info.value.permanent


@pytest.mark.parametrize("code,permanent", [(2, False), (8, False), (102, True), (10, True), (300, True)])
def test_every_error_class_is_mapped(fake, code, permanent):
    fake.add_topic("т")
    fake.faults.schedule("api_error", code=code, times=5)
    with pytest.raises(ConnectorError) as info:
        drain(connector(fake, policy=RetryPolicy(attempts=2, base_delay=0.001)))
    assert info.value.code == code and info.value.permanent is permanent


def test_partial_pages_and_transport_faults_lose_nothing(fake):
    topic = fake.add_topic("т")
    for i in range(90):
        fake.add_comment(topic.id, f"к{i}")
    fake.faults.schedule("partial", op="discussions.getComments", times=2)
    fake.faults.schedule("http_500", times=2)
    fake.faults.schedule("malformed", op="discussions.getComments")
    c = connector(fake)
    c.page_size = 20
    messages, _, _ = drain(c)
    assert sorted(m.text for m in messages) == sorted(f"к{i}" for i in range(90))


def test_it_replies_as_the_group_with_a_photo(fake):
    topic = fake.add_topic("т")
    comment = fake.add_comment(topic.id, "Вопрос")
    c = connector(fake)
    reply = Reply(
        f"topic{fake.group_id}_{topic.id}_{comment.id}",
        "Ответ администрации",
        "otklik-pub-5",
        files=[OutgoingFile("a.png", b"\x89PNG", "image/png")],
    )
    published = c.publish(reply)
    [created] = fake.published
    assert created.author_type == "GROUP" and created.reply_to_comment_id == comment.id
    assert created.attachments and created.attachments[0]["type"] == "photo"
    assert c.find_published(reply) == published
    # our own answer is not collected back as an incoming message
    messages, _, _ = drain(c)
    assert [m.text for m in messages] == ["Вопрос"]


def test_a_video_is_refused_before_anything_is_uploaded_or_posted(fake):
    topic = fake.add_topic("т")
    reply = Reply(
        f"topic{fake.group_id}_{topic.id}", "Ответ", "otklik-pub-6",
        files=[OutgoingFile("a.png", b"\x89PNG", "image/png"), OutgoingFile("v.mp4", b"\0\0\0\x18ftypmp42", "video/mp4")],
    )  # fmt: skip
    with pytest.raises(ConnectorError, match="видео API Одноклассников к комментарию не прикрепляет") as info:
        connector(fake).publish(reply)
    assert info.value.permanent and fake.published == [] and fake.requests == []
